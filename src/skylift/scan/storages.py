"""django-storages with its S3 backend: the app keeps its media (and maybe its static files)
in a bucket. The plan creates that bucket, gives the task role access to it and sets the names
the settings read; the scan says which files go there and what a private bucket refuses."""

from __future__ import annotations

import re

from skylift.scan._facts import Draft

# the backend by its dotted path (DEFAULT_FILE_STORAGE, STORAGES) or a class built on it
_S3_BACKEND = re.compile(
    r"storages\.backends\.s3(?:boto3)?\.\w*Storage|\(\s*S3(?:Boto3|Static|ManifestStatic)?Storage\s*\)"
)
_STATIC = re.compile(
    r"STATICFILES_STORAGE\s*=\s*['\"][\w.]*(?:s3|S3)|['\"]staticfiles['\"]\s*:\s*\{[^}]*"
    r"(?:storages\.backends\.s3|S3)",
    re.S,
)
# a private bucket (ACLs disabled, public access blocked) refuses these
_PUBLIC = re.compile(
    r"^\s*AWS_DEFAULT_ACL\s*=\s*['\"]public-read|^\s*AWS_QUERYSTRING_AUTH\s*=\s*False\b", re.M
)


def scan(draft: Draft) -> None:
    if "django-storages" not in draft.deps and "boto3" not in draft.deps:
        return
    hits = list(draft.repo.grep(_S3_BACKEND, (".py",)))
    if not hits:
        return
    src, m = hits[0]
    draft.service("s3-storage", src.evidence(offset=m.start()))
    for src, m in draft.repo.grep(_STATIC, (".py",)):
        draft.service("s3-static", src.evidence(offset=m.start()))
        break
    public = [s.evidence(offset=m.start()) for s, m in draft.repo.grep(_PUBLIC, (".py",))]
    if public:
        draft.finding(
            "storages-public-files",
            "The settings serve the bucket's files as public (a public-read ACL, or URLs "
            "without a signature)",
            "the bucket skylift creates is private (public access blocked, ACLs disabled): "
            "drop AWS_DEFAULT_ACL = 'public-read' and AWS_QUERYSTRING_AUTH = False, so "
            "django-storages hands out signed URLs, or put CloudFront in front of the bucket",
            public,
        )
