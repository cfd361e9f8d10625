FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . \
    && SECRET_KEY=build ALLOWED_HOSTS=build DEBUG=0 python manage.py collectstatic --noinput \
    && useradd --create-home rapport && mkdir -p var && chown -R rapport var
USER rapport
EXPOSE 8000
