#!/bin/sh
# Deploy the demo Django project as project P, laid out as the reference
# chapters describe: code in /opt/P, settings in /etc/opt/P (root:USER 0640),
# data in /var/opt/P, logs in /var/log/P, cache in /var/cache/P, gunicorn as
# P.service. Runs as root on the target machine.
#   deploy.sh P [USER] [PORT] [VENV]
set -eu
P=$1
USER=${2:-$1}
PORT=${3:-8000}
VENV=${4:-/opt/$P/venv}
SRC=$(cd "$(dirname "$0")" && pwd)
WHEELS=${WHEELS:-/opt/wheels}

id "$USER" >/dev/null 2>&1 || adduser --quiet --system --group --no-create-home --home /nonexistent "$USER"
mkdir -p "/opt/$P" "/etc/opt/$P" "/var/opt/$P" "/var/log/$P" "/var/cache/$P/cache"
cp -r "$SRC/code/." "/opt/$P/"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --no-index --find-links "$WHEELS" django gunicorn
fi
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
sed -e "s/@P@/$P/g" -e "s/@SECRET_KEY@/$secret/" -e "s/@MAIL_PASSWORD@/${MAIL_PASSWORD:-hunter2-mail}/" \
    "$SRC/etc/settings.py" > "/etc/opt/$P/settings.py"
chown root:"$USER" "/etc/opt/$P/settings.py"
chmod 0640 "/etc/opt/$P/settings.py"
chown "$USER:$USER" "/var/opt/$P" "/var/log/$P" "/var/cache/$P/cache"
chmod 0750 "/var/opt/$P"
"$VENV/bin/python" -m compileall -q -x "$VENV/" "/opt/$P" "/etc/opt/$P"
su "$USER" -s /bin/sh -c "PYTHONPATH=/etc/opt/$P:/opt/$P DJANGO_SETTINGS_MODULE=settings \
    $VENV/bin/python /opt/$P/manage.py migrate --noinput -v0"
sed -e "s/@P@/$P/g" -e "s/@USER@/$USER/g" -e "s/@PORT@/$PORT/g" -e "s#@VENV@#$VENV#g" \
    "$SRC/gunicorn.service" > "/etc/systemd/system/$P.service"
systemctl daemon-reload
systemctl enable --quiet --now "$P.service"
for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && exit 0
    sleep 0.2
done
echo "deploy.sh: $P.service does not answer on port $PORT" >&2
exit 1
