--
-- PostgreSQL database dump (the shop's Heroku database)
--
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

CREATE TABLE public.products (
    id integer NOT NULL,
    name text NOT NULL,
    price_cents integer NOT NULL
);
ALTER TABLE ONLY public.products ADD CONSTRAINT products_pkey PRIMARY KEY (id);

CREATE TABLE public.events (
    id integer NOT NULL,
    kind text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL
);
CREATE SEQUENCE public.events_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.events_id_seq OWNED BY public.events.id;
ALTER TABLE ONLY public.events ALTER COLUMN id SET DEFAULT nextval('public.events_id_seq'::regclass);
ALTER TABLE ONLY public.events ADD CONSTRAINT events_pkey PRIMARY KEY (id);

INSERT INTO public.products (id, name, price_cents) VALUES
  (1, 'Blue kettle', 3450),
  (2, 'Oak shelf', 12900),
  (3, 'Linen apron', 2200);
INSERT INTO public.events (id, kind) VALUES (1, 'imported');
SELECT pg_catalog.setval('public.events_id_seq', 1, true);
