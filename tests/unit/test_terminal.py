"""Long work shows itself only at a terminal, masked when a redactor is given."""

import io

from djops import terminal


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_only_a_terminal_is_attached():
    assert terminal.attached(Tty())
    assert not terminal.attached(io.StringIO())
    closed = io.StringIO()
    closed.close()
    assert not terminal.attached(closed)


def test_printer_writes_each_line_at_once_and_masked():
    out = Tty()

    class Mask:
        def redact(self, text):
            return text.replace("s3cret", "********")

    terminal.printer(Mask(), out)("token s3cret")
    terminal.printer(stream=out)("plain")
    assert out.getvalue() == "token ********\nplain\n"
