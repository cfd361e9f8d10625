FROM python:3.11-slim
# DEBUG is off in the image: SECRET_KEY and ALLOWED_HOSTS come from the environment
# (docker-compose.yml requires SECRET_KEY), and without them the app refuses to start.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=0
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . \
    && SECRET_KEY=build ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build \
        python manage.py collectstatic --noinput \
    && python -m config.messages \
    && useradd --create-home rapport && mkdir -p var && chown -R rapport var
USER rapport
EXPOSE 8000
