"""Write data/dump.sql: what `pg_dump --inserts --no-owner pos` printed for a small TillCraft shop.

Deterministic (fixed seed). Run `python data/make_dump.py` from examples/pos-api.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEADER = """--
-- PostgreSQL database dump
--

-- Dumped from database version 16.2
-- Dumped by pg_dump version 16.2

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;
SET row_security = off;

"""

TABLES = """CREATE TABLE public.businesses (
    id bigint NOT NULL,
    name text NOT NULL,
    currency character(3) DEFAULT 'USD'::bpchar NOT NULL,
    blueprint jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);
CREATE SEQUENCE public.businesses_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.businesses_id_seq OWNED BY public.businesses.id;

CREATE TABLE public.staff (
    id bigint NOT NULL,
    business_id bigint NOT NULL,
    name text NOT NULL,
    pin_hash text NOT NULL,
    role text DEFAULT 'cashier'::text NOT NULL
);
CREATE SEQUENCE public.staff_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.staff_id_seq OWNED BY public.staff.id;

CREATE TABLE public.products (
    id bigint NOT NULL,
    business_id bigint NOT NULL,
    name text NOT NULL,
    price_cents bigint NOT NULL,
    active boolean DEFAULT true NOT NULL,
    attributes jsonb
);
CREATE SEQUENCE public.products_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.products_id_seq OWNED BY public.products.id;

CREATE TABLE public.orders (
    id bigint NOT NULL,
    business_id bigint NOT NULL,
    staff_id bigint,
    status text NOT NULL,
    stripe_payment_intent text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    paid_at timestamp with time zone
);
CREATE SEQUENCE public.orders_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.orders_id_seq OWNED BY public.orders.id;

CREATE TABLE public.order_items (
    id bigint NOT NULL,
    order_id bigint NOT NULL,
    product_id bigint NOT NULL,
    quantity integer NOT NULL,
    unit_price_cents bigint NOT NULL
);
CREATE SEQUENCE public.order_items_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.order_items_id_seq OWNED BY public.order_items.id;

"""

NAMES = ["businesses", "staff", "products", "orders", "order_items"]

FOOTER = """
ALTER TABLE ONLY public.businesses ADD CONSTRAINT businesses_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.staff ADD CONSTRAINT staff_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.products ADD CONSTRAINT products_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.order_items ADD CONSTRAINT order_items_pkey PRIMARY KEY (id);
CREATE INDEX orders_business_created ON public.orders USING btree (business_id, created_at);
ALTER TABLE ONLY public.staff ADD CONSTRAINT staff_business_id_fkey FOREIGN KEY (business_id) REFERENCES public.businesses(id);
ALTER TABLE ONLY public.products ADD CONSTRAINT products_business_id_fkey FOREIGN KEY (business_id) REFERENCES public.businesses(id);
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_business_id_fkey FOREIGN KEY (business_id) REFERENCES public.businesses(id);
ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES public.staff(id);
ALTER TABLE ONLY public.order_items ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES public.orders(id) ON DELETE CASCADE;
ALTER TABLE ONLY public.order_items ADD CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.products(id);

--
-- PostgreSQL database dump complete
--
"""

SHOPS = [("Bean There Café", "USD"), ("Bäckerei Schmidt", "EUR"), ("Tokyo Ramen 東京", "JPY"),
         ("Taquería El Güero", "MXN"), ("The Corner Bookshop", "GBP")]
PRODUCTS = ["Flat white", "Croissant", "Brezel", "Tonkotsu ramen", "Gyoza", "Taco al pastor",
            "Horchata", "Paperback", "Gift card", "Oat latte", "Matcha", "Churros"]


def lit(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")


def rows(rnd: random.Random) -> dict[str, list[tuple[object, ...]]]:
    start = datetime(2024, 1, 8, 7, 0, tzinfo=UTC)
    out: dict[str, list[tuple[object, ...]]] = {n: [] for n in NAMES}
    for i, (name, cur) in enumerate(SHOPS, start=1):
        blueprint = json.dumps({"tables": rnd.randint(0, 20), "tips": i % 2 == 0}, ensure_ascii=False)
        out["businesses"].append((i, name, cur, blueprint, ts(start + timedelta(days=i))))
    for i in range(1, 16):
        out["staff"].append((i, (i - 1) % 5 + 1, f"Staff {i}", f"$argon2id$v=19${rnd.getrandbits(96):024x}",
                             "manager" if i <= 5 else "cashier"))
    for i in range(1, 41):
        attrs = None if i % 6 == 0 else json.dumps({"sku": f"SKU-{i:04d}", "vegan": i % 3 == 0}, ensure_ascii=False)
        out["products"].append((i, (i - 1) % 5 + 1, PRODUCTS[i % len(PRODUCTS)], rnd.randint(150, 2500),
                                i % 9 != 0, attrs))
    item_id = 0
    for i in range(1, 161):
        biz = rnd.randint(1, 5)
        created = start + timedelta(days=rnd.randint(10, 120), seconds=rnd.randint(0, 86399))
        status = rnd.choice(["paid", "paid", "paid", "open", "abandoned"])
        paid = ts(created + timedelta(minutes=2)) if status == "paid" else None
        intent = f"pi_{rnd.getrandbits(64):016x}" if status == "paid" else None
        out["orders"].append((i, biz, None if i % 10 == 0 else biz + 5 * rnd.randint(0, 2), status, intent, ts(created), paid))
        for _ in range(rnd.randint(1, 3)):
            item_id += 1
            product = biz + 5 * rnd.randint(0, 7)
            out["order_items"].append((item_id, i, product, rnd.randint(1, 4), rnd.randint(150, 2500)))
    return out


def dump(path: Path) -> None:
    data = rows(random.Random(1234))
    parts = [HEADER, TABLES]
    for name in NAMES:
        parts.append(f"--\n-- Data for Name: {name}; Type: TABLE DATA; Schema: public\n--\n\n")
        parts.extend(f"INSERT INTO public.{name} VALUES ({', '.join(lit(v) for v in row)});\n" for row in data[name])
        parts.append(f"\nSELECT pg_catalog.setval('public.{name}_id_seq', {len(data[name])}, true);\n\n")
    parts.append(FOOTER)
    path.write_text("".join(parts), encoding="utf-8")


if __name__ == "__main__":
    dump(Path(__file__).resolve().parent / "dump.sql")
