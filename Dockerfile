# Production image: gunicorn serving Django; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY salesoffice salesoffice
COPY customers customers
COPY reception reception
COPY deals deals
COPY handover handover
COPY templates templates
COPY locale locale
COPY manage.py ./
RUN pip install --no-cache-dir . \
    && DEBUG=1 python manage.py compilemessages -v0 \
    && DEBUG=1 python manage.py collectstatic --no-input -v0

RUN useradd --create-home salesoffice
USER salesoffice
EXPOSE 8000
CMD ["gunicorn", "salesoffice.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--max-requests", "5000", "--max-requests-jitter", "500"]
