"""django-storages on S3: the bucket the app's files live in, and the settings that find it.

The bucket is the uploads bucket (storage.tf: private, KMS-encrypted, versioned, TLS only),
priced and built from the same `s3_uploads` resource. The task gets the bucket's name under
every name the settings read it from (AWS_STORAGE_BUCKET_NAME, ...), the region under theirs,
and no access keys: boto3 takes the task role's credentials when none are set. Static files on
S3 are uploaded by `collectstatic` in the release step, where the task role reaches the bucket
(an image build has no AWS credentials)."""

from __future__ import annotations

import re

from skylift.plan.blueprint import Blueprint
from skylift.scan.model import AppProfile

BUCKET = re.compile(
    r"^(?:AWS_STORAGE_BUCKET_NAME|AWS_(?:S3_)?(?:STATIC_|MEDIA_)?BUCKET(?:_NAME)?|"
    r"S3_BUCKET(?:_NAME)?|(?:STATIC|MEDIA)_BUCKET(?:_NAME)?)$"
)
REGION = re.compile(r"^(?:AWS_S3_REGION_NAME|AWS_S3_REGION|AWS_REGION|AWS_DEFAULT_REGION)$")
KEYS = re.compile(r"^AWS_(?:S3_)?(?:ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$")
# a local S3 stand-in's address (minio in compose): on AWS boto3 finds S3 from the region
LOCAL_ONLY = re.compile(r"^AWS_S3_(?:ENDPOINT_URL|CUSTOM_DOMAIN|URL_PROTOCOL)$")
COLLECTSTATIC = "python manage.py collectstatic --noinput"


def uses_s3_storage(profile: AppProfile) -> bool:
    return any(f.value == "s3-storage" for f in profile.services)


def static_on_s3(profile: AppProfile) -> bool:
    return any(f.value == "s3-static" for f in profile.services)


def wire(profile: AppProfile, bp: Blueprint) -> list[str]:
    """Set the task's storage settings in `bp`; return the names that get the bucket's name."""
    read = {v.name: v for v in profile.env}
    buckets = sorted(n for n in read if BUCKET.match(n)) or ["AWS_STORAGE_BUCKET_NAME"]
    decided: dict[str, str | None] = dict.fromkeys(buckets)  # None: set by Terraform
    for name, var in read.items():
        if REGION.match(name):
            decided[name] = bp.region
        elif KEYS.match(name):
            where = (
                f" (read with no default at {var.required[0]}: use os.environ.get)"
                if var.required
                else ""
            )
            _unset(bp, name, "no access keys on AWS: boto3 takes the task role's credentials"
                   f", which may use the bucket{where}")  # fmt: skip
        elif LOCAL_ONLY.match(name) and _local(bp, name):
            _unset(bp, name, "a local S3 stand-in's address: on AWS the files are served from "
                   "the bucket's own URLs")  # fmt: skip
    for name, value in decided.items():
        _forget(bp, name)
        if value is not None:
            bp.config_env[name] = value
    if static_on_s3(profile):
        _collectstatic_on_release(bp)
    return buckets


def _local(bp: Blueprint, name: str) -> bool:
    value = bp.config_env.get(name, "")
    asked = any(q["name"] == name for q in bp.env_questions)
    return asked or bool(re.search(r"localhost|127\.0\.0\.1|minio|:9000\b", value))


def _forget(bp: Blueprint, name: str) -> None:
    """Whatever the environment plan decided for `name` before the bucket existed."""
    bp.config_env.pop(name, None)
    bp.env_wiring.pop(name, None)
    bp.secrets = [s for s in bp.secrets if s != name]
    bp.env_questions = [q for q in bp.env_questions if q["name"] != name]
    bp.env_unset = [u for u in bp.env_unset if u["name"] != name]


def _unset(bp: Blueprint, name: str, why: str) -> None:
    _forget(bp, name)
    bp.env_unset.append({"name": name, "why": why})


def _collectstatic_on_release(bp: Blueprint) -> None:
    """collectstatic uploads to the bucket: in the release task, before the migrations."""
    release = next((j for j in bp.jobs if j["kind"] == "release"), None)
    if release is None:
        return
    if COLLECTSTATIC not in str(release["command"]):
        release["command"] = f"{COLLECTSTATIC} && {release['command']}"
