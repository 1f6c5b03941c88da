"""A Django app whose settings keep files with django-storages' S3 backend gets the bucket:
generated as the uploads bucket (private, encrypted), priced from the same resource, reached
through the task role, under the names its settings read; static files on S3 are uploaded by
collectstatic in the release step, never in the image build."""

from __future__ import annotations

from pathlib import Path

from skylift.plan import cost
from skylift.render import render_files
from tests.plan.test_env_wiring import plan

SETTINGS = """import os
INSTALLED_APPS = ['django.contrib.staticfiles', 'storages']
DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql',
                         'HOST': os.environ.get('POSTGRES_HOST', 'localhost')}}
STORAGES = {
    'default': {'BACKEND': 'storages.backends.s3boto3.S3Boto3Storage'},
    'staticfiles': {'BACKEND': 'storages.backends.s3boto3.S3ManifestStaticStorage'},
}
AWS_STORAGE_BUCKET_NAME = os.environ['AWS_STORAGE_BUCKET_NAME']
AWS_S3_REGION_NAME = os.environ.get('AWS_S3_REGION_NAME')
AWS_ACCESS_KEY_ID = os.environ.get('AWS_ACCESS_KEY_ID')
AWS_SECRET_ACCESS_KEY = os.environ.get('AWS_SECRET_ACCESS_KEY')
AWS_S3_ENDPOINT_URL = os.environ.get('AWS_S3_ENDPOINT_URL')
STATIC_ROOT = 'staticfiles'
"""
FILES = {
    "requirements.txt": "Django==5.0\ndjango-storages[s3]==1.14\nboto3\npsycopg[binary]\ngunicorn\n",
    "manage.py": "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n",
    "site/settings.py": SETTINGS,
    "site/wsgi.py": "application = get_wsgi_application()\n",
    ".env.example": "AWS_STORAGE_BUCKET_NAME=media\nAWS_S3_ENDPOINT_URL=http://localhost:9000\n"
    "AWS_ACCESS_KEY_ID=minio\nAWS_SECRET_ACCESS_KEY=minio123\nAWS_S3_REGION_NAME=us-east-1\n",
}


def test_the_bucket_its_access_its_names_and_its_price(tmp_path: Path) -> None:
    bp = plan(tmp_path, FILES)
    bucket = bp.resource("s3_uploads")
    assert bucket is not None and bucket.settings["env_vars"] == ["AWS_STORAGE_BUCKET_NAME"]
    # the region under the settings' name; no access keys, no local S3 address
    assert bp.config_env["AWS_S3_REGION_NAME"] == bp.region
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & set(bp.secrets)
    unset = {u["name"] for u in bp.env_unset}
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_S3_ENDPOINT_URL"} <= unset
    assert "AWS_STORAGE_BUCKET_NAME" not in bp.config_env  # Terraform's name, not "media"
    priced = cost.estimate(bp).by_resource()
    assert priced["s3_uploads"] > 0
    files, _ = render_files(tmp_path / "app", bp, budget_usd=50, github_repository="a/b")
    storage = files["infra/storage.tf"]
    assert 'resource "aws_s3_bucket_public_access_block" "uploads"' in storage
    assert 'sse_algorithm     = "aws:kms"' in storage
    ecs = files["infra/ecs.tf"]
    assert '{ name = "AWS_STORAGE_BUCKET_NAME", value = aws_s3_bucket.uploads.id }' in ecs
    assert "AWS_ACCESS_KEY_ID" not in ecs and "localhost:9000" not in ecs
    assert 'sid       = "AppUploads"' in files["infra/iam.tf"]
    # static files: uploaded by the release step (task role), not by the image build
    assert "collectstatic" not in files["Dockerfile"]
    assert (
        "python manage.py collectstatic --noinput && python manage.py migrate"
        in (files[".github/workflows/deploy.yml"])
    )


def test_media_only_keeps_collectstatic_in_the_image(tmp_path: Path) -> None:
    settings = SETTINGS.replace(
        "'storages.backends.s3boto3.S3ManifestStaticStorage'",
        "'django.contrib.staticfiles.storage.StaticFilesStorage'",
    )
    bp = plan(tmp_path, {**FILES, "site/settings.py": settings})
    assert bp.resource("s3_uploads") is not None
    files, _ = render_files(tmp_path / "app", bp, budget_usd=50, github_repository="a/b")
    assert "collectstatic" in files["Dockerfile"]


def test_a_public_acl_is_a_finding(tmp_path: Path) -> None:
    from skylift.scan import scan
    from tests.scan.conftest import write

    settings = SETTINGS + "AWS_DEFAULT_ACL = 'public-read'\n"
    profile = scan(write(tmp_path / "app", {**FILES, "site/settings.py": settings}))
    (f,) = [f for f in profile.findings if f.code == "storages-public-files"]
    assert [str(e) for e in f.evidence] == ["site/settings.py:15"]
