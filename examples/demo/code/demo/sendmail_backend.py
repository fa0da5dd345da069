"""Deliver Django's mail through the local sendmail (dma), as the reference
chapter does with django-sendmail-backend."""

import subprocess

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            proc = subprocess.run(
                ["/usr/sbin/sendmail", "-t", "-oi"], input=message.message().as_bytes()
            )
            if proc.returncode == 0:
                sent += 1
            elif not self.fail_silently:
                raise OSError(f"sendmail exited with {proc.returncode}")
        return sent
