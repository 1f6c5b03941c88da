"""Write data/dump.sql: a `pg_dump --inserts --no-owner` of gengar's Heroku Postgres (pgvector).

Deterministic (fixed seed). Run `python data/make_dump.py` from examples/gengar.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

DIMENSIONS = 384

HEADER = """--
-- PostgreSQL database dump
--

-- Dumped from database version 16.3 (Ubuntu 16.3-1.pgdg22.04+1)
-- Dumped by pg_dump version 16.3

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;
SET row_security = off;

CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;
COMMENT ON EXTENSION vector IS 'vector data type and ivfflat and hnsw access methods';

CREATE TABLE public.users (
    id integer NOT NULL,
    email text NOT NULL,
    github_login text,
    plan text DEFAULT 'free'::text NOT NULL,
    monthly_queries integer DEFAULT 0 NOT NULL,
    usage_reset_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);
CREATE SEQUENCE public.users_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;
ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);

CREATE TABLE public.documents (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    owner_id integer NOT NULL,
    title text NOT NULL,
    s3_key text NOT NULL,
    metadata jsonb,
    embedding public.vector(384),
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.migrations (
    id integer NOT NULL,
    "timestamp" bigint NOT NULL,
    name character varying NOT NULL
);

"""

FOOTER = """
ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.users ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE ONLY public.documents ADD CONSTRAINT documents_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.migrations ADD CONSTRAINT migrations_pkey PRIMARY KEY (id);
CREATE INDEX documents_embedding_hnsw ON public.documents USING hnsw (embedding public.vector_cosine_ops);
ALTER TABLE ONLY public.documents ADD CONSTRAINT documents_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES public.users(id);

--
-- PostgreSQL database dump complete
--
"""

TITLES = ["Q3 roadmap", "Onboarding checklist", "Résumé — Zoë Ångström", "API design notes",
          "会議メモ 2024-04", "Incident postmortem #12", "Pricing experiments", "README draft",
          "Customer interview: Acme", "Data retention policy"]


def lit(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def vector(rnd: random.Random) -> str:
    return "[" + ",".join(f"{rnd.gauss(0, 0.05):.6f}" for _ in range(DIMENSIONS)) + "]"


def dump(path: Path) -> None:
    rnd = random.Random(42)
    start = datetime(2023, 11, 2, 9, 30, tzinfo=UTC)
    lines = [HEADER]
    users = 25
    for i in range(1, users + 1):
        created = start + timedelta(days=rnd.randint(0, 120), seconds=rnd.randint(0, 86399))
        reset = None if i % 4 == 0 else "2024-04-01 00:00:00.012345+00"
        lines.append(
            "INSERT INTO public.users VALUES ("
            + ", ".join([str(i), lit(f"user{i}@mention.ai"), lit(None if i % 3 == 0 else f"dev-{i}"),
                         lit(rnd.choice(["free", "free", "pro", "team"])), str(rnd.randint(0, 500)),
                         lit(reset), lit(created.strftime("%Y-%m-%d %H:%M:%S.%f+00"))])
            + ");\n"
        )
    for i in range(1, 61):
        doc_id = uuid.UUID(int=rnd.getrandbits(128), version=4)
        owner = rnd.randint(1, users)
        meta = None if i % 5 == 0 else json.dumps(
            {"summary": f"Summary of document {i}", "topics": rnd.sample(["ai", "infra", "sales", "hr", "docs"], 2)})
        emb = None if i % 7 == 0 else vector(rnd)
        created = start + timedelta(days=rnd.randint(5, 150), seconds=rnd.randint(0, 86399))
        lines.append(
            "INSERT INTO public.documents VALUES ("
            + ", ".join([lit(str(doc_id)), str(owner), lit(TITLES[i % len(TITLES)]),
                         lit(f"documents/{owner}/{int(created.timestamp() * 1000)}.txt"), lit(meta), lit(emb),
                         lit(created.strftime("%Y-%m-%d %H:%M:%S.%f+00"))])
            + ");\n"
        )
    lines.append("INSERT INTO public.migrations VALUES (1, 1711000000000, 'Init1711000000000');\n")
    lines.append(f"\nSELECT pg_catalog.setval('public.users_id_seq', {users}, true);\n")
    lines.append(FOOTER)
    path.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    dump(Path(__file__).resolve().parent / "dump.sql")
