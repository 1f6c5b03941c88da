"""The optional C accelerator (csrc/fastcopy.c, csrc/mysqlrows.c, csrc/jsonb.c). Everything else is in pyproject.toml.

`optional=True`: on a machine without a C compiler or SQLite's header the build is skipped and
skylift runs its pure-Python path, which sends the same bytes (only slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "skylift.db._fastcopy",
            sources=["csrc/fastcopy.c", "csrc/mysqlrows.c", "csrc/jsonb.c"],
            include_dirs=["csrc"],
            libraries=["sqlite3"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
