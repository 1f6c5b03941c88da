--
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

CREATE TABLE public.businesses (
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

--
-- Data for Name: businesses; Type: TABLE DATA; Schema: public
--

INSERT INTO public.businesses VALUES (1, 'Bean There Café', 'USD', '{"tables": 14, "tips": false}', '2024-01-09 07:00:00.000000+00');
INSERT INTO public.businesses VALUES (2, 'Bäckerei Schmidt', 'EUR', '{"tables": 3, "tips": true}', '2024-01-10 07:00:00.000000+00');
INSERT INTO public.businesses VALUES (3, 'Tokyo Ramen 東京', 'JPY', '{"tables": 0, "tips": false}', '2024-01-11 07:00:00.000000+00');
INSERT INTO public.businesses VALUES (4, 'Taquería El Güero', 'MXN', '{"tables": 2, "tips": true}', '2024-01-12 07:00:00.000000+00');
INSERT INTO public.businesses VALUES (5, 'The Corner Bookshop', 'GBP', '{"tables": 18, "tips": false}', '2024-01-13 07:00:00.000000+00');

SELECT pg_catalog.setval('public.businesses_id_seq', 5, true);

--
-- Data for Name: staff; Type: TABLE DATA; Schema: public
--

INSERT INTO public.staff VALUES (1, 1, 'Staff 1', '$argon2id$v=19$b16e2d5cabeb959208f0ebd4', 'manager');
INSERT INTO public.staff VALUES (2, 2, 'Staff 2', '$argon2id$v=19$c438183619322fed157cf9c6', 'manager');
INSERT INTO public.staff VALUES (3, 3, 'Staff 3', '$argon2id$v=19$04762a223c9f90c95ac96628', 'manager');
INSERT INTO public.staff VALUES (4, 4, 'Staff 4', '$argon2id$v=19$c9ed0248fc9799a707e36d60', 'manager');
INSERT INTO public.staff VALUES (5, 5, 'Staff 5', '$argon2id$v=19$a5f80a0a58994953040e1e30', 'manager');
INSERT INTO public.staff VALUES (6, 1, 'Staff 6', '$argon2id$v=19$9da618fd7bf78a4d9f8f5ffb', 'cashier');
INSERT INTO public.staff VALUES (7, 2, 'Staff 7', '$argon2id$v=19$175e99412607ad5f76ab1475', 'cashier');
INSERT INTO public.staff VALUES (8, 3, 'Staff 8', '$argon2id$v=19$1d4a2b12b6a20bb02edf0743', 'cashier');
INSERT INTO public.staff VALUES (9, 4, 'Staff 9', '$argon2id$v=19$80ca17b703be0e66d868c2cf', 'cashier');
INSERT INTO public.staff VALUES (10, 5, 'Staff 10', '$argon2id$v=19$f703c9ffe16682717c9bbfae', 'cashier');
INSERT INTO public.staff VALUES (11, 1, 'Staff 11', '$argon2id$v=19$aad14268108727563ff4bb8c', 'cashier');
INSERT INTO public.staff VALUES (12, 2, 'Staff 12', '$argon2id$v=19$774520d7e98d7c358a84c15c', 'cashier');
INSERT INTO public.staff VALUES (13, 3, 'Staff 13', '$argon2id$v=19$acd51e6699f9823c118dc10e', 'cashier');
INSERT INTO public.staff VALUES (14, 4, 'Staff 14', '$argon2id$v=19$9439852083d9fca716c40a33', 'cashier');
INSERT INTO public.staff VALUES (15, 5, 'Staff 15', '$argon2id$v=19$d30aad4b45038e220bc4621b', 'cashier');

SELECT pg_catalog.setval('public.staff_id_seq', 15, true);

--
-- Data for Name: products; Type: TABLE DATA; Schema: public
--

INSERT INTO public.products VALUES (1, 1, 'Croissant', 2429, true, '{"sku": "SKU-0001", "vegan": false}');
INSERT INTO public.products VALUES (2, 2, 'Brezel', 408, true, '{"sku": "SKU-0002", "vegan": false}');
INSERT INTO public.products VALUES (3, 3, 'Tonkotsu ramen', 1388, true, '{"sku": "SKU-0003", "vegan": true}');
INSERT INTO public.products VALUES (4, 4, 'Gyoza', 2120, true, '{"sku": "SKU-0004", "vegan": false}');
INSERT INTO public.products VALUES (5, 5, 'Taco al pastor', 1605, true, '{"sku": "SKU-0005", "vegan": false}');
INSERT INTO public.products VALUES (6, 1, 'Horchata', 1241, true, NULL);
INSERT INTO public.products VALUES (7, 2, 'Paperback', 1170, true, '{"sku": "SKU-0007", "vegan": false}');
INSERT INTO public.products VALUES (8, 3, 'Gift card', 969, true, '{"sku": "SKU-0008", "vegan": false}');
INSERT INTO public.products VALUES (9, 4, 'Oat latte', 2007, false, '{"sku": "SKU-0009", "vegan": true}');
INSERT INTO public.products VALUES (10, 5, 'Matcha', 2321, true, '{"sku": "SKU-0010", "vegan": false}');
INSERT INTO public.products VALUES (11, 1, 'Churros', 229, true, '{"sku": "SKU-0011", "vegan": false}');
INSERT INTO public.products VALUES (12, 2, 'Flat white', 2231, true, NULL);
INSERT INTO public.products VALUES (13, 3, 'Croissant', 439, true, '{"sku": "SKU-0013", "vegan": false}');
INSERT INTO public.products VALUES (14, 4, 'Brezel', 173, true, '{"sku": "SKU-0014", "vegan": false}');
INSERT INTO public.products VALUES (15, 5, 'Tonkotsu ramen', 1516, true, '{"sku": "SKU-0015", "vegan": true}');
INSERT INTO public.products VALUES (16, 1, 'Gyoza', 738, true, '{"sku": "SKU-0016", "vegan": false}');
INSERT INTO public.products VALUES (17, 2, 'Taco al pastor', 2086, true, '{"sku": "SKU-0017", "vegan": false}');
INSERT INTO public.products VALUES (18, 3, 'Horchata', 1695, false, NULL);
INSERT INTO public.products VALUES (19, 4, 'Paperback', 834, true, '{"sku": "SKU-0019", "vegan": false}');
INSERT INTO public.products VALUES (20, 5, 'Gift card', 371, true, '{"sku": "SKU-0020", "vegan": false}');
INSERT INTO public.products VALUES (21, 1, 'Oat latte', 462, true, '{"sku": "SKU-0021", "vegan": true}');
INSERT INTO public.products VALUES (22, 2, 'Matcha', 2183, true, '{"sku": "SKU-0022", "vegan": false}');
INSERT INTO public.products VALUES (23, 3, 'Churros', 821, true, '{"sku": "SKU-0023", "vegan": false}');
INSERT INTO public.products VALUES (24, 4, 'Flat white', 458, true, NULL);
INSERT INTO public.products VALUES (25, 5, 'Croissant', 2432, true, '{"sku": "SKU-0025", "vegan": false}');
INSERT INTO public.products VALUES (26, 1, 'Brezel', 1031, true, '{"sku": "SKU-0026", "vegan": false}');
INSERT INTO public.products VALUES (27, 2, 'Tonkotsu ramen', 740, false, '{"sku": "SKU-0027", "vegan": true}');
INSERT INTO public.products VALUES (28, 3, 'Gyoza', 261, true, '{"sku": "SKU-0028", "vegan": false}');
INSERT INTO public.products VALUES (29, 4, 'Taco al pastor', 1568, true, '{"sku": "SKU-0029", "vegan": false}');
INSERT INTO public.products VALUES (30, 5, 'Horchata', 604, true, NULL);
INSERT INTO public.products VALUES (31, 1, 'Paperback', 2319, true, '{"sku": "SKU-0031", "vegan": false}');
INSERT INTO public.products VALUES (32, 2, 'Gift card', 728, true, '{"sku": "SKU-0032", "vegan": false}');
INSERT INTO public.products VALUES (33, 3, 'Oat latte', 1400, true, '{"sku": "SKU-0033", "vegan": true}');
INSERT INTO public.products VALUES (34, 4, 'Matcha', 2010, true, '{"sku": "SKU-0034", "vegan": false}');
INSERT INTO public.products VALUES (35, 5, 'Churros', 312, true, '{"sku": "SKU-0035", "vegan": false}');
INSERT INTO public.products VALUES (36, 1, 'Flat white', 1854, false, NULL);
INSERT INTO public.products VALUES (37, 2, 'Croissant', 1283, true, '{"sku": "SKU-0037", "vegan": false}');
INSERT INTO public.products VALUES (38, 3, 'Brezel', 314, true, '{"sku": "SKU-0038", "vegan": false}');
INSERT INTO public.products VALUES (39, 4, 'Tonkotsu ramen', 876, true, '{"sku": "SKU-0039", "vegan": true}');
INSERT INTO public.products VALUES (40, 5, 'Gyoza', 1262, true, '{"sku": "SKU-0040", "vegan": false}');

SELECT pg_catalog.setval('public.products_id_seq', 40, true);

--
-- Data for Name: orders; Type: TABLE DATA; Schema: public
--

INSERT INTO public.orders VALUES (1, 2, 2, 'open', NULL, '2024-02-25 12:37:37.000000+00', NULL);
INSERT INTO public.orders VALUES (2, 4, 9, 'open', NULL, '2024-04-21 01:54:14.000000+00', NULL);
INSERT INTO public.orders VALUES (3, 1, 11, 'open', NULL, '2024-05-04 00:39:56.000000+00', NULL);
INSERT INTO public.orders VALUES (4, 3, 3, 'paid', 'pi_652ea61314180ee8', '2024-04-28 23:15:46.000000+00', '2024-04-28 23:17:46.000000+00');
INSERT INTO public.orders VALUES (5, 5, 10, 'paid', 'pi_f1eeddee4e3d6967', '2024-05-03 10:11:30.000000+00', '2024-05-03 10:13:30.000000+00');
INSERT INTO public.orders VALUES (6, 2, 7, 'paid', 'pi_e2ee229ab471b2e6', '2024-01-30 21:26:29.000000+00', '2024-01-30 21:28:29.000000+00');
INSERT INTO public.orders VALUES (7, 5, 10, 'abandoned', NULL, '2024-02-07 01:11:21.000000+00', NULL);
INSERT INTO public.orders VALUES (8, 1, 11, 'paid', 'pi_ab11c60e006fd424', '2024-04-18 18:50:35.000000+00', '2024-04-18 18:52:35.000000+00');
INSERT INTO public.orders VALUES (9, 1, 11, 'paid', 'pi_f8c1c3a53505c031', '2024-03-13 21:15:06.000000+00', '2024-03-13 21:17:06.000000+00');
INSERT INTO public.orders VALUES (10, 1, NULL, 'paid', 'pi_666ac88a6906ab68', '2024-04-24 16:28:40.000000+00', '2024-04-24 16:30:40.000000+00');
INSERT INTO public.orders VALUES (11, 4, 4, 'paid', 'pi_4ed3a8d1616b2db6', '2024-02-17 00:51:30.000000+00', '2024-02-17 00:53:30.000000+00');
INSERT INTO public.orders VALUES (12, 4, 9, 'paid', 'pi_a0df733e6687f211', '2024-05-05 00:27:40.000000+00', '2024-05-05 00:29:40.000000+00');
INSERT INTO public.orders VALUES (13, 2, 7, 'abandoned', NULL, '2024-02-09 01:53:28.000000+00', NULL);
INSERT INTO public.orders VALUES (14, 5, 15, 'paid', 'pi_ae78c1bd4c7253d9', '2024-02-29 19:42:09.000000+00', '2024-02-29 19:44:09.000000+00');
INSERT INTO public.orders VALUES (15, 3, 13, 'paid', 'pi_c279e30015bfb225', '2024-02-28 23:40:34.000000+00', '2024-02-28 23:42:34.000000+00');
INSERT INTO public.orders VALUES (16, 2, 7, 'paid', 'pi_5afd517f8401cd77', '2024-04-12 12:38:11.000000+00', '2024-04-12 12:40:11.000000+00');
INSERT INTO public.orders VALUES (17, 5, 10, 'open', NULL, '2024-02-16 12:55:03.000000+00', NULL);
INSERT INTO public.orders VALUES (18, 5, 15, 'abandoned', NULL, '2024-03-31 02:28:54.000000+00', NULL);
INSERT INTO public.orders VALUES (19, 5, 5, 'paid', 'pi_9f8da4603a592982', '2024-04-05 09:34:53.000000+00', '2024-04-05 09:36:53.000000+00');
INSERT INTO public.orders VALUES (20, 3, NULL, 'paid', 'pi_ad4a74957c747612', '2024-03-12 19:23:24.000000+00', '2024-03-12 19:25:24.000000+00');
INSERT INTO public.orders VALUES (21, 2, 12, 'abandoned', NULL, '2024-05-04 05:01:58.000000+00', NULL);
INSERT INTO public.orders VALUES (22, 4, 9, 'paid', 'pi_023d1e894907786d', '2024-04-26 20:23:37.000000+00', '2024-04-26 20:25:37.000000+00');
INSERT INTO public.orders VALUES (23, 3, 3, 'paid', 'pi_fde25b2b74f54bac', '2024-03-04 16:56:09.000000+00', '2024-03-04 16:58:09.000000+00');
INSERT INTO public.orders VALUES (24, 4, 14, 'paid', 'pi_bde4c119f22a63bf', '2024-02-21 13:20:38.000000+00', '2024-02-21 13:22:38.000000+00');
INSERT INTO public.orders VALUES (25, 5, 5, 'abandoned', NULL, '2024-05-05 21:37:09.000000+00', NULL);
INSERT INTO public.orders VALUES (26, 5, 15, 'paid', 'pi_fdeb73c33d2d50ec', '2024-03-29 11:48:00.000000+00', '2024-03-29 11:50:00.000000+00');
INSERT INTO public.orders VALUES (27, 5, 5, 'abandoned', NULL, '2024-03-03 21:45:47.000000+00', NULL);
INSERT INTO public.orders VALUES (28, 2, 7, 'paid', 'pi_60b4935d2c32fef2', '2024-02-10 05:07:33.000000+00', '2024-02-10 05:09:33.000000+00');
INSERT INTO public.orders VALUES (29, 4, 9, 'paid', 'pi_97a512c8facc9275', '2024-02-28 19:22:38.000000+00', '2024-02-28 19:24:38.000000+00');
INSERT INTO public.orders VALUES (30, 2, NULL, 'abandoned', NULL, '2024-04-05 23:29:28.000000+00', NULL);
INSERT INTO public.orders VALUES (31, 3, 8, 'open', NULL, '2024-04-15 03:54:53.000000+00', NULL);
INSERT INTO public.orders VALUES (32, 4, 14, 'paid', 'pi_f57de19d9388ca13', '2024-02-07 08:15:14.000000+00', '2024-02-07 08:17:14.000000+00');
INSERT INTO public.orders VALUES (33, 1, 11, 'open', NULL, '2024-01-27 15:53:53.000000+00', NULL);
INSERT INTO public.orders VALUES (34, 3, 3, 'abandoned', NULL, '2024-04-30 07:57:03.000000+00', NULL);
INSERT INTO public.orders VALUES (35, 2, 12, 'paid', 'pi_7d0df03b1802225d', '2024-03-25 11:59:10.000000+00', '2024-03-25 12:01:10.000000+00');
INSERT INTO public.orders VALUES (36, 2, 2, 'paid', 'pi_3fefa7e3713f9348', '2024-01-26 22:59:32.000000+00', '2024-01-26 23:01:32.000000+00');
INSERT INTO public.orders VALUES (37, 5, 15, 'paid', 'pi_b96fca6a57b5ac49', '2024-03-24 12:19:19.000000+00', '2024-03-24 12:21:19.000000+00');
INSERT INTO public.orders VALUES (38, 4, 9, 'open', NULL, '2024-02-17 07:24:11.000000+00', NULL);
INSERT INTO public.orders VALUES (39, 4, 14, 'paid', 'pi_b2bd8adc4ac5e7fb', '2024-04-02 07:37:16.000000+00', '2024-04-02 07:39:16.000000+00');
INSERT INTO public.orders VALUES (40, 4, NULL, 'open', NULL, '2024-02-13 08:31:58.000000+00', NULL);
INSERT INTO public.orders VALUES (41, 2, 2, 'paid', 'pi_6143117f833cd4a2', '2024-04-22 15:21:29.000000+00', '2024-04-22 15:23:29.000000+00');
INSERT INTO public.orders VALUES (42, 5, 5, 'abandoned', NULL, '2024-01-25 17:00:01.000000+00', NULL);
INSERT INTO public.orders VALUES (43, 3, 8, 'abandoned', NULL, '2024-02-10 15:23:58.000000+00', NULL);
INSERT INTO public.orders VALUES (44, 3, 8, 'paid', 'pi_a78ccb0fd580fb99', '2024-03-24 07:20:49.000000+00', '2024-03-24 07:22:49.000000+00');
INSERT INTO public.orders VALUES (45, 3, 3, 'paid', 'pi_e37f8c17f47ef783', '2024-04-06 17:26:34.000000+00', '2024-04-06 17:28:34.000000+00');
INSERT INTO public.orders VALUES (46, 5, 15, 'abandoned', NULL, '2024-03-24 19:03:32.000000+00', NULL);
INSERT INTO public.orders VALUES (47, 5, 15, 'paid', 'pi_e980a35b10510c26', '2024-03-19 16:32:31.000000+00', '2024-03-19 16:34:31.000000+00');
INSERT INTO public.orders VALUES (48, 5, 15, 'paid', 'pi_8093c09c444fc90a', '2024-02-10 03:52:36.000000+00', '2024-02-10 03:54:36.000000+00');
INSERT INTO public.orders VALUES (49, 3, 8, 'paid', 'pi_d7a4a2bf0725d2a8', '2024-01-20 09:29:12.000000+00', '2024-01-20 09:31:12.000000+00');
INSERT INTO public.orders VALUES (50, 3, NULL, 'paid', 'pi_18543641b2092a51', '2024-03-03 21:08:09.000000+00', '2024-03-03 21:10:09.000000+00');
INSERT INTO public.orders VALUES (51, 3, 13, 'paid', 'pi_4428bd230fcce24f', '2024-04-17 11:35:05.000000+00', '2024-04-17 11:37:05.000000+00');
INSERT INTO public.orders VALUES (52, 5, 10, 'paid', 'pi_ca0d46cd80cdbab6', '2024-03-22 04:46:54.000000+00', '2024-03-22 04:48:54.000000+00');
INSERT INTO public.orders VALUES (53, 2, 12, 'open', NULL, '2024-04-07 22:44:53.000000+00', NULL);
INSERT INTO public.orders VALUES (54, 3, 3, 'paid', 'pi_5b9765102495c728', '2024-03-30 17:04:49.000000+00', '2024-03-30 17:06:49.000000+00');
INSERT INTO public.orders VALUES (55, 4, 14, 'paid', 'pi_c9bdf0aca333555d', '2024-03-05 08:48:45.000000+00', '2024-03-05 08:50:45.000000+00');
INSERT INTO public.orders VALUES (56, 2, 12, 'paid', 'pi_ff296cbc50f435a8', '2024-03-18 21:07:14.000000+00', '2024-03-18 21:09:14.000000+00');
INSERT INTO public.orders VALUES (57, 2, 7, 'paid', 'pi_9f617eb36729d364', '2024-04-28 18:28:48.000000+00', '2024-04-28 18:30:48.000000+00');
INSERT INTO public.orders VALUES (58, 5, 10, 'abandoned', NULL, '2024-02-08 23:32:25.000000+00', NULL);
INSERT INTO public.orders VALUES (59, 5, 10, 'paid', 'pi_602409393caf046f', '2024-03-17 04:19:49.000000+00', '2024-03-17 04:21:49.000000+00');
INSERT INTO public.orders VALUES (60, 1, NULL, 'abandoned', NULL, '2024-04-07 13:02:11.000000+00', NULL);
INSERT INTO public.orders VALUES (61, 1, 6, 'open', NULL, '2024-02-09 02:02:01.000000+00', NULL);
INSERT INTO public.orders VALUES (62, 2, 2, 'paid', 'pi_4a9f2725dff2efe6', '2024-05-05 17:32:32.000000+00', '2024-05-05 17:34:32.000000+00');
INSERT INTO public.orders VALUES (63, 1, 6, 'paid', 'pi_789f90ea1fc24e06', '2024-01-30 12:20:11.000000+00', '2024-01-30 12:22:11.000000+00');
INSERT INTO public.orders VALUES (64, 2, 12, 'paid', 'pi_e82112399cea7fad', '2024-02-27 20:47:18.000000+00', '2024-02-27 20:49:18.000000+00');
INSERT INTO public.orders VALUES (65, 1, 11, 'open', NULL, '2024-02-13 17:56:52.000000+00', NULL);
INSERT INTO public.orders VALUES (66, 5, 10, 'paid', 'pi_835c33f0c7227eaa', '2024-01-20 08:26:12.000000+00', '2024-01-20 08:28:12.000000+00');
INSERT INTO public.orders VALUES (67, 2, 2, 'open', NULL, '2024-03-08 16:46:16.000000+00', NULL);
INSERT INTO public.orders VALUES (68, 5, 5, 'open', NULL, '2024-03-05 20:15:01.000000+00', NULL);
INSERT INTO public.orders VALUES (69, 3, 13, 'paid', 'pi_bea48eec135f2582', '2024-04-12 06:08:48.000000+00', '2024-04-12 06:10:48.000000+00');
INSERT INTO public.orders VALUES (70, 4, NULL, 'paid', 'pi_b9ce610d35449c0e', '2024-03-27 18:51:27.000000+00', '2024-03-27 18:53:27.000000+00');
INSERT INTO public.orders VALUES (71, 5, 5, 'open', NULL, '2024-04-09 08:06:47.000000+00', NULL);
INSERT INTO public.orders VALUES (72, 1, 1, 'abandoned', NULL, '2024-03-15 15:33:56.000000+00', NULL);
INSERT INTO public.orders VALUES (73, 2, 7, 'open', NULL, '2024-04-09 05:04:22.000000+00', NULL);
INSERT INTO public.orders VALUES (74, 4, 9, 'paid', 'pi_a50e775c673c6da8', '2024-05-07 08:09:07.000000+00', '2024-05-07 08:11:07.000000+00');
INSERT INTO public.orders VALUES (75, 1, 6, 'open', NULL, '2024-03-12 02:48:27.000000+00', NULL);
INSERT INTO public.orders VALUES (76, 5, 10, 'paid', 'pi_77c8bcc5f20610be', '2024-02-22 00:51:07.000000+00', '2024-02-22 00:53:07.000000+00');
INSERT INTO public.orders VALUES (77, 3, 13, 'open', NULL, '2024-03-10 17:36:10.000000+00', NULL);
INSERT INTO public.orders VALUES (78, 1, 6, 'paid', 'pi_1892783617151cba', '2024-02-18 08:08:20.000000+00', '2024-02-18 08:10:20.000000+00');
INSERT INTO public.orders VALUES (79, 2, 12, 'paid', 'pi_4767bd765d0e1be7', '2024-04-25 06:41:04.000000+00', '2024-04-25 06:43:04.000000+00');
INSERT INTO public.orders VALUES (80, 3, NULL, 'abandoned', NULL, '2024-02-10 16:36:01.000000+00', NULL);
INSERT INTO public.orders VALUES (81, 4, 4, 'abandoned', NULL, '2024-01-30 23:47:28.000000+00', NULL);
INSERT INTO public.orders VALUES (82, 2, 12, 'abandoned', NULL, '2024-01-23 01:54:45.000000+00', NULL);
INSERT INTO public.orders VALUES (83, 2, 2, 'abandoned', NULL, '2024-03-16 02:16:01.000000+00', NULL);
INSERT INTO public.orders VALUES (84, 2, 2, 'paid', 'pi_228c18d531d94a70', '2024-03-08 13:42:50.000000+00', '2024-03-08 13:44:50.000000+00');
INSERT INTO public.orders VALUES (85, 5, 10, 'paid', 'pi_9f679e51918a53cc', '2024-02-13 11:44:02.000000+00', '2024-02-13 11:46:02.000000+00');
INSERT INTO public.orders VALUES (86, 4, 9, 'paid', 'pi_237286552b483bf6', '2024-03-21 11:52:32.000000+00', '2024-03-21 11:54:32.000000+00');
INSERT INTO public.orders VALUES (87, 3, 13, 'open', NULL, '2024-03-25 20:08:13.000000+00', NULL);
INSERT INTO public.orders VALUES (88, 4, 4, 'paid', 'pi_41724594d8d50b54', '2024-02-15 14:00:44.000000+00', '2024-02-15 14:02:44.000000+00');
INSERT INTO public.orders VALUES (89, 5, 5, 'open', NULL, '2024-03-16 16:56:33.000000+00', NULL);
INSERT INTO public.orders VALUES (90, 1, NULL, 'paid', 'pi_b7c264177beb0d2a', '2024-01-30 07:49:08.000000+00', '2024-01-30 07:51:08.000000+00');
INSERT INTO public.orders VALUES (91, 3, 8, 'paid', 'pi_23dfd0144de12aba', '2024-04-01 08:06:49.000000+00', '2024-04-01 08:08:49.000000+00');
INSERT INTO public.orders VALUES (92, 4, 14, 'paid', 'pi_85e6fcf7599f8c32', '2024-04-22 01:50:18.000000+00', '2024-04-22 01:52:18.000000+00');
INSERT INTO public.orders VALUES (93, 2, 2, 'paid', 'pi_fca2dc9d0063ea90', '2024-03-02 19:57:02.000000+00', '2024-03-02 19:59:02.000000+00');
INSERT INTO public.orders VALUES (94, 3, 8, 'open', NULL, '2024-05-05 19:18:56.000000+00', NULL);
INSERT INTO public.orders VALUES (95, 4, 4, 'paid', 'pi_3ece6c630822ea80', '2024-04-30 11:46:42.000000+00', '2024-04-30 11:48:42.000000+00');
INSERT INTO public.orders VALUES (96, 4, 9, 'open', NULL, '2024-04-02 08:49:04.000000+00', NULL);
INSERT INTO public.orders VALUES (97, 3, 13, 'open', NULL, '2024-03-25 22:33:18.000000+00', NULL);
INSERT INTO public.orders VALUES (98, 3, 8, 'paid', 'pi_193c4d80e4605e22', '2024-05-01 21:57:48.000000+00', '2024-05-01 21:59:48.000000+00');
INSERT INTO public.orders VALUES (99, 5, 5, 'paid', 'pi_2b7525db7fe7b2fa', '2024-04-09 05:33:16.000000+00', '2024-04-09 05:35:16.000000+00');
INSERT INTO public.orders VALUES (100, 4, NULL, 'open', NULL, '2024-01-20 08:12:56.000000+00', NULL);
INSERT INTO public.orders VALUES (101, 3, 3, 'open', NULL, '2024-03-03 03:17:23.000000+00', NULL);
INSERT INTO public.orders VALUES (102, 5, 10, 'paid', 'pi_2e969ef13d46ad7e', '2024-03-08 23:16:51.000000+00', '2024-03-08 23:18:51.000000+00');
INSERT INTO public.orders VALUES (103, 5, 10, 'abandoned', NULL, '2024-02-27 03:57:17.000000+00', NULL);
INSERT INTO public.orders VALUES (104, 1, 11, 'paid', 'pi_979129c750b4545b', '2024-04-25 09:32:13.000000+00', '2024-04-25 09:34:13.000000+00');
INSERT INTO public.orders VALUES (105, 2, 7, 'abandoned', NULL, '2024-03-10 21:40:10.000000+00', NULL);
INSERT INTO public.orders VALUES (106, 1, 11, 'abandoned', NULL, '2024-05-06 03:01:03.000000+00', NULL);
INSERT INTO public.orders VALUES (107, 1, 6, 'open', NULL, '2024-04-29 06:52:52.000000+00', NULL);
INSERT INTO public.orders VALUES (108, 4, 4, 'abandoned', NULL, '2024-04-03 01:13:46.000000+00', NULL);
INSERT INTO public.orders VALUES (109, 1, 1, 'open', NULL, '2024-03-08 09:34:47.000000+00', NULL);
INSERT INTO public.orders VALUES (110, 5, NULL, 'paid', 'pi_fa5d339b07b6586b', '2024-02-17 22:53:44.000000+00', '2024-02-17 22:55:44.000000+00');
INSERT INTO public.orders VALUES (111, 5, 5, 'abandoned', NULL, '2024-04-25 02:55:43.000000+00', NULL);
INSERT INTO public.orders VALUES (112, 1, 6, 'paid', 'pi_06161438071ded00', '2024-03-02 15:14:37.000000+00', '2024-03-02 15:16:37.000000+00');
INSERT INTO public.orders VALUES (113, 5, 10, 'paid', 'pi_ebfcf38d1f45fd17', '2024-03-04 01:07:47.000000+00', '2024-03-04 01:09:47.000000+00');
INSERT INTO public.orders VALUES (114, 3, 8, 'paid', 'pi_f9fba6227b9adbe5', '2024-04-22 05:33:56.000000+00', '2024-04-22 05:35:56.000000+00');
INSERT INTO public.orders VALUES (115, 1, 1, 'abandoned', NULL, '2024-05-07 18:33:14.000000+00', NULL);
INSERT INTO public.orders VALUES (116, 3, 13, 'abandoned', NULL, '2024-03-28 06:54:00.000000+00', NULL);
INSERT INTO public.orders VALUES (117, 2, 12, 'paid', 'pi_c67173a4180e149d', '2024-01-28 03:21:19.000000+00', '2024-01-28 03:23:19.000000+00');
INSERT INTO public.orders VALUES (118, 2, 2, 'abandoned', NULL, '2024-02-04 11:58:33.000000+00', NULL);
INSERT INTO public.orders VALUES (119, 5, 10, 'abandoned', NULL, '2024-02-06 19:52:20.000000+00', NULL);
INSERT INTO public.orders VALUES (120, 5, NULL, 'paid', 'pi_fc21d105a902fb49', '2024-01-30 02:01:49.000000+00', '2024-01-30 02:03:49.000000+00');
INSERT INTO public.orders VALUES (121, 4, 14, 'paid', 'pi_93f21ea9473d1c0c', '2024-02-02 22:18:02.000000+00', '2024-02-02 22:20:02.000000+00');
INSERT INTO public.orders VALUES (122, 1, 6, 'paid', 'pi_e0a4fbb576fd043f', '2024-05-02 08:27:20.000000+00', '2024-05-02 08:29:20.000000+00');
INSERT INTO public.orders VALUES (123, 3, 13, 'abandoned', NULL, '2024-02-26 14:51:08.000000+00', NULL);
INSERT INTO public.orders VALUES (124, 5, 10, 'paid', 'pi_4e127e1465080827', '2024-02-19 23:49:50.000000+00', '2024-02-19 23:51:50.000000+00');
INSERT INTO public.orders VALUES (125, 2, 2, 'paid', 'pi_a3e88158b4d14103', '2024-04-09 13:36:21.000000+00', '2024-04-09 13:38:21.000000+00');
INSERT INTO public.orders VALUES (126, 1, 11, 'abandoned', NULL, '2024-01-31 08:14:32.000000+00', NULL);
INSERT INTO public.orders VALUES (127, 2, 12, 'paid', 'pi_81614130000e829f', '2024-03-22 22:46:41.000000+00', '2024-03-22 22:48:41.000000+00');
INSERT INTO public.orders VALUES (128, 1, 11, 'paid', 'pi_559e917f1ceed9af', '2024-01-27 06:19:30.000000+00', '2024-01-27 06:21:30.000000+00');
INSERT INTO public.orders VALUES (129, 5, 5, 'paid', 'pi_0b3d341a10b76de8', '2024-04-18 07:55:51.000000+00', '2024-04-18 07:57:51.000000+00');
INSERT INTO public.orders VALUES (130, 2, NULL, 'paid', 'pi_0f12bda50adba750', '2024-02-10 18:22:40.000000+00', '2024-02-10 18:24:40.000000+00');
INSERT INTO public.orders VALUES (131, 3, 13, 'open', NULL, '2024-01-20 07:41:11.000000+00', NULL);
INSERT INTO public.orders VALUES (132, 4, 14, 'open', NULL, '2024-04-24 07:53:57.000000+00', NULL);
INSERT INTO public.orders VALUES (133, 5, 10, 'paid', 'pi_b60380694d27d6bb', '2024-04-09 10:06:25.000000+00', '2024-04-09 10:08:25.000000+00');
INSERT INTO public.orders VALUES (134, 3, 8, 'paid', 'pi_94d92e20a45cbb64', '2024-03-31 03:42:22.000000+00', '2024-03-31 03:44:22.000000+00');
INSERT INTO public.orders VALUES (135, 3, 3, 'paid', 'pi_f4008881adf67ea6', '2024-03-25 19:24:55.000000+00', '2024-03-25 19:26:55.000000+00');
INSERT INTO public.orders VALUES (136, 5, 5, 'abandoned', NULL, '2024-02-12 17:22:41.000000+00', NULL);
INSERT INTO public.orders VALUES (137, 4, 14, 'abandoned', NULL, '2024-05-07 02:26:43.000000+00', NULL);
INSERT INTO public.orders VALUES (138, 1, 1, 'paid', 'pi_f261e7f6528a798e', '2024-02-07 03:48:27.000000+00', '2024-02-07 03:50:27.000000+00');
INSERT INTO public.orders VALUES (139, 3, 3, 'paid', 'pi_b7b76bdcf102046a', '2024-03-05 21:39:08.000000+00', '2024-03-05 21:41:08.000000+00');
INSERT INTO public.orders VALUES (140, 4, NULL, 'paid', 'pi_46ff523a723719ae', '2024-03-23 12:55:09.000000+00', '2024-03-23 12:57:09.000000+00');
INSERT INTO public.orders VALUES (141, 2, 2, 'paid', 'pi_faad7a510304c68c', '2024-03-15 01:28:57.000000+00', '2024-03-15 01:30:57.000000+00');
INSERT INTO public.orders VALUES (142, 1, 11, 'open', NULL, '2024-02-12 02:13:28.000000+00', NULL);
INSERT INTO public.orders VALUES (143, 5, 10, 'paid', 'pi_a84bcfd8b536c171', '2024-02-21 12:30:15.000000+00', '2024-02-21 12:32:15.000000+00');
INSERT INTO public.orders VALUES (144, 3, 13, 'abandoned', NULL, '2024-04-29 03:37:30.000000+00', NULL);
INSERT INTO public.orders VALUES (145, 1, 6, 'paid', 'pi_c24c21236ea8bbe8', '2024-01-28 22:17:44.000000+00', '2024-01-28 22:19:44.000000+00');
INSERT INTO public.orders VALUES (146, 3, 8, 'paid', 'pi_c75211e0324f0fb5', '2024-04-15 18:46:39.000000+00', '2024-04-15 18:48:39.000000+00');
INSERT INTO public.orders VALUES (147, 4, 9, 'abandoned', NULL, '2024-03-06 20:09:26.000000+00', NULL);
INSERT INTO public.orders VALUES (148, 3, 13, 'open', NULL, '2024-03-17 09:51:58.000000+00', NULL);
INSERT INTO public.orders VALUES (149, 3, 8, 'open', NULL, '2024-04-15 08:40:26.000000+00', NULL);
INSERT INTO public.orders VALUES (150, 3, NULL, 'abandoned', NULL, '2024-02-17 02:20:51.000000+00', NULL);
INSERT INTO public.orders VALUES (151, 5, 5, 'paid', 'pi_1bcd28bbc7f57a32', '2024-01-24 05:06:20.000000+00', '2024-01-24 05:08:20.000000+00');
INSERT INTO public.orders VALUES (152, 2, 2, 'paid', 'pi_8c5e3b3787b97a59', '2024-03-29 19:24:47.000000+00', '2024-03-29 19:26:47.000000+00');
INSERT INTO public.orders VALUES (153, 1, 6, 'paid', 'pi_942eb3f745f01297', '2024-02-20 21:49:24.000000+00', '2024-02-20 21:51:24.000000+00');
INSERT INTO public.orders VALUES (154, 3, 3, 'paid', 'pi_35b1cf50b2371c7d', '2024-03-30 06:08:11.000000+00', '2024-03-30 06:10:11.000000+00');
INSERT INTO public.orders VALUES (155, 3, 3, 'paid', 'pi_d68456eb6a2410ac', '2024-01-24 01:58:07.000000+00', '2024-01-24 02:00:07.000000+00');
INSERT INTO public.orders VALUES (156, 4, 4, 'open', NULL, '2024-03-09 22:37:00.000000+00', NULL);
INSERT INTO public.orders VALUES (157, 1, 11, 'paid', 'pi_cbfe952d0c580933', '2024-04-20 08:04:12.000000+00', '2024-04-20 08:06:12.000000+00');
INSERT INTO public.orders VALUES (158, 3, 13, 'paid', 'pi_a23213d5356b1924', '2024-04-13 17:50:25.000000+00', '2024-04-13 17:52:25.000000+00');
INSERT INTO public.orders VALUES (159, 1, 6, 'paid', 'pi_0ac32c39dee1bbfc', '2024-03-15 21:01:27.000000+00', '2024-03-15 21:03:27.000000+00');
INSERT INTO public.orders VALUES (160, 5, NULL, 'open', NULL, '2024-01-20 10:48:08.000000+00', NULL);

SELECT pg_catalog.setval('public.orders_id_seq', 160, true);

--
-- Data for Name: order_items; Type: TABLE DATA; Schema: public
--

INSERT INTO public.order_items VALUES (1, 1, 32, 3, 2181);
INSERT INTO public.order_items VALUES (2, 1, 27, 4, 2099);
INSERT INTO public.order_items VALUES (3, 1, 2, 4, 846);
INSERT INTO public.order_items VALUES (4, 2, 9, 2, 1855);
INSERT INTO public.order_items VALUES (5, 2, 34, 1, 2320);
INSERT INTO public.order_items VALUES (6, 3, 16, 3, 593);
INSERT INTO public.order_items VALUES (7, 3, 11, 3, 784);
INSERT INTO public.order_items VALUES (8, 4, 23, 1, 1048);
INSERT INTO public.order_items VALUES (9, 5, 25, 1, 1896);
INSERT INTO public.order_items VALUES (10, 6, 17, 3, 990);
INSERT INTO public.order_items VALUES (11, 6, 32, 2, 982);
INSERT INTO public.order_items VALUES (12, 6, 22, 1, 1593);
INSERT INTO public.order_items VALUES (13, 7, 15, 2, 346);
INSERT INTO public.order_items VALUES (14, 7, 15, 2, 2386);
INSERT INTO public.order_items VALUES (15, 8, 6, 2, 1038);
INSERT INTO public.order_items VALUES (16, 9, 21, 3, 1878);
INSERT INTO public.order_items VALUES (17, 9, 26, 2, 2331);
INSERT INTO public.order_items VALUES (18, 10, 21, 1, 1687);
INSERT INTO public.order_items VALUES (19, 10, 21, 2, 1368);
INSERT INTO public.order_items VALUES (20, 10, 31, 1, 1581);
INSERT INTO public.order_items VALUES (21, 11, 39, 4, 1372);
INSERT INTO public.order_items VALUES (22, 12, 24, 3, 1569);
INSERT INTO public.order_items VALUES (23, 13, 37, 1, 2066);
INSERT INTO public.order_items VALUES (24, 13, 7, 1, 1651);
INSERT INTO public.order_items VALUES (25, 13, 37, 1, 723);
INSERT INTO public.order_items VALUES (26, 14, 30, 3, 2454);
INSERT INTO public.order_items VALUES (27, 14, 20, 3, 446);
INSERT INTO public.order_items VALUES (28, 14, 20, 3, 2240);
INSERT INTO public.order_items VALUES (29, 15, 8, 2, 1203);
INSERT INTO public.order_items VALUES (30, 15, 28, 2, 266);
INSERT INTO public.order_items VALUES (31, 15, 33, 1, 330);
INSERT INTO public.order_items VALUES (32, 16, 7, 3, 1220);
INSERT INTO public.order_items VALUES (33, 16, 37, 2, 1574);
INSERT INTO public.order_items VALUES (34, 16, 7, 1, 1506);
INSERT INTO public.order_items VALUES (35, 17, 15, 1, 746);
INSERT INTO public.order_items VALUES (36, 17, 20, 2, 2224);
INSERT INTO public.order_items VALUES (37, 17, 35, 3, 678);
INSERT INTO public.order_items VALUES (38, 18, 5, 3, 431);
INSERT INTO public.order_items VALUES (39, 18, 30, 4, 332);
INSERT INTO public.order_items VALUES (40, 19, 35, 4, 364);
INSERT INTO public.order_items VALUES (41, 19, 5, 4, 478);
INSERT INTO public.order_items VALUES (42, 20, 18, 1, 1610);
INSERT INTO public.order_items VALUES (43, 20, 28, 4, 862);
INSERT INTO public.order_items VALUES (44, 20, 8, 1, 1019);
INSERT INTO public.order_items VALUES (45, 21, 12, 2, 1193);
INSERT INTO public.order_items VALUES (46, 21, 2, 4, 1630);
INSERT INTO public.order_items VALUES (47, 21, 27, 3, 1774);
INSERT INTO public.order_items VALUES (48, 22, 24, 1, 2379);
INSERT INTO public.order_items VALUES (49, 22, 4, 2, 2337);
INSERT INTO public.order_items VALUES (50, 22, 29, 2, 1469);
INSERT INTO public.order_items VALUES (51, 23, 33, 2, 935);
INSERT INTO public.order_items VALUES (52, 24, 39, 4, 2116);
INSERT INTO public.order_items VALUES (53, 24, 39, 3, 570);
INSERT INTO public.order_items VALUES (54, 25, 40, 4, 546);
INSERT INTO public.order_items VALUES (55, 26, 30, 4, 1352);
INSERT INTO public.order_items VALUES (56, 27, 40, 4, 1458);
INSERT INTO public.order_items VALUES (57, 27, 40, 1, 2358);
INSERT INTO public.order_items VALUES (58, 27, 40, 1, 461);
INSERT INTO public.order_items VALUES (59, 28, 17, 3, 270);
INSERT INTO public.order_items VALUES (60, 28, 12, 3, 558);
INSERT INTO public.order_items VALUES (61, 28, 2, 1, 1216);
INSERT INTO public.order_items VALUES (62, 29, 14, 4, 1766);
INSERT INTO public.order_items VALUES (63, 29, 4, 3, 1312);
INSERT INTO public.order_items VALUES (64, 29, 29, 2, 789);
INSERT INTO public.order_items VALUES (65, 30, 32, 3, 2292);
INSERT INTO public.order_items VALUES (66, 30, 22, 4, 1754);
INSERT INTO public.order_items VALUES (67, 31, 23, 2, 821);
INSERT INTO public.order_items VALUES (68, 32, 19, 4, 1969);
INSERT INTO public.order_items VALUES (69, 32, 4, 4, 433);
INSERT INTO public.order_items VALUES (70, 33, 31, 2, 1389);
INSERT INTO public.order_items VALUES (71, 33, 26, 4, 413);
INSERT INTO public.order_items VALUES (72, 34, 13, 4, 1904);
INSERT INTO public.order_items VALUES (73, 35, 12, 3, 1915);
INSERT INTO public.order_items VALUES (74, 35, 37, 3, 1442);
INSERT INTO public.order_items VALUES (75, 36, 12, 3, 743);
INSERT INTO public.order_items VALUES (76, 36, 32, 2, 973);
INSERT INTO public.order_items VALUES (77, 37, 35, 1, 2273);
INSERT INTO public.order_items VALUES (78, 37, 30, 2, 1066);
INSERT INTO public.order_items VALUES (79, 37, 5, 1, 1637);
INSERT INTO public.order_items VALUES (80, 38, 34, 3, 2273);
INSERT INTO public.order_items VALUES (81, 38, 19, 4, 1401);
INSERT INTO public.order_items VALUES (82, 39, 39, 2, 1768);
INSERT INTO public.order_items VALUES (83, 40, 9, 4, 879);
INSERT INTO public.order_items VALUES (84, 40, 14, 1, 1659);
INSERT INTO public.order_items VALUES (85, 41, 22, 1, 1563);
INSERT INTO public.order_items VALUES (86, 42, 35, 4, 274);
INSERT INTO public.order_items VALUES (87, 43, 3, 3, 1146);
INSERT INTO public.order_items VALUES (88, 43, 38, 4, 867);
INSERT INTO public.order_items VALUES (89, 43, 23, 2, 1859);
INSERT INTO public.order_items VALUES (90, 44, 18, 2, 283);
INSERT INTO public.order_items VALUES (91, 44, 23, 4, 223);
INSERT INTO public.order_items VALUES (92, 44, 33, 2, 1930);
INSERT INTO public.order_items VALUES (93, 45, 33, 3, 2310);
INSERT INTO public.order_items VALUES (94, 45, 3, 4, 1961);
INSERT INTO public.order_items VALUES (95, 45, 13, 4, 586);
INSERT INTO public.order_items VALUES (96, 46, 20, 1, 1773);
INSERT INTO public.order_items VALUES (97, 46, 10, 3, 2250);
INSERT INTO public.order_items VALUES (98, 46, 15, 1, 1503);
INSERT INTO public.order_items VALUES (99, 47, 5, 3, 298);
INSERT INTO public.order_items VALUES (100, 47, 20, 1, 1976);
INSERT INTO public.order_items VALUES (101, 48, 35, 3, 282);
INSERT INTO public.order_items VALUES (102, 48, 30, 3, 1020);
INSERT INTO public.order_items VALUES (103, 48, 10, 2, 553);
INSERT INTO public.order_items VALUES (104, 49, 28, 4, 223);
INSERT INTO public.order_items VALUES (105, 49, 33, 4, 508);
INSERT INTO public.order_items VALUES (106, 49, 18, 1, 1577);
INSERT INTO public.order_items VALUES (107, 50, 13, 2, 1997);
INSERT INTO public.order_items VALUES (108, 51, 3, 3, 2444);
INSERT INTO public.order_items VALUES (109, 52, 30, 1, 1872);
INSERT INTO public.order_items VALUES (110, 52, 30, 2, 2368);
INSERT INTO public.order_items VALUES (111, 52, 15, 2, 1884);
INSERT INTO public.order_items VALUES (112, 53, 32, 4, 1729);
INSERT INTO public.order_items VALUES (113, 54, 23, 3, 1169);
INSERT INTO public.order_items VALUES (114, 54, 23, 2, 784);
INSERT INTO public.order_items VALUES (115, 54, 38, 1, 1220);
INSERT INTO public.order_items VALUES (116, 55, 4, 2, 1405);
INSERT INTO public.order_items VALUES (117, 56, 32, 3, 1975);
INSERT INTO public.order_items VALUES (118, 56, 2, 3, 1202);
INSERT INTO public.order_items VALUES (119, 57, 32, 3, 1742);
INSERT INTO public.order_items VALUES (120, 57, 32, 3, 1202);
INSERT INTO public.order_items VALUES (121, 58, 15, 1, 1694);
INSERT INTO public.order_items VALUES (122, 59, 35, 3, 1064);
INSERT INTO public.order_items VALUES (123, 59, 30, 4, 1435);
INSERT INTO public.order_items VALUES (124, 60, 11, 4, 1991);
INSERT INTO public.order_items VALUES (125, 60, 21, 3, 1995);
INSERT INTO public.order_items VALUES (126, 61, 1, 1, 1382);
INSERT INTO public.order_items VALUES (127, 61, 16, 4, 693);
INSERT INTO public.order_items VALUES (128, 61, 31, 1, 925);
INSERT INTO public.order_items VALUES (129, 62, 32, 4, 364);
INSERT INTO public.order_items VALUES (130, 62, 17, 4, 1751);
INSERT INTO public.order_items VALUES (131, 62, 7, 2, 371);
INSERT INTO public.order_items VALUES (132, 63, 1, 1, 993);
INSERT INTO public.order_items VALUES (133, 64, 22, 3, 1989);
INSERT INTO public.order_items VALUES (134, 64, 17, 1, 1434);
INSERT INTO public.order_items VALUES (135, 65, 36, 3, 1201);
INSERT INTO public.order_items VALUES (136, 65, 11, 2, 1449);
INSERT INTO public.order_items VALUES (137, 66, 30, 4, 653);
INSERT INTO public.order_items VALUES (138, 66, 35, 1, 1357);
INSERT INTO public.order_items VALUES (139, 66, 35, 1, 1475);
INSERT INTO public.order_items VALUES (140, 67, 2, 4, 262);
INSERT INTO public.order_items VALUES (141, 67, 17, 1, 408);
INSERT INTO public.order_items VALUES (142, 68, 5, 1, 229);
INSERT INTO public.order_items VALUES (143, 68, 20, 1, 1726);
INSERT INTO public.order_items VALUES (144, 68, 25, 2, 1194);
INSERT INTO public.order_items VALUES (145, 69, 28, 3, 1887);
INSERT INTO public.order_items VALUES (146, 69, 38, 1, 2019);
INSERT INTO public.order_items VALUES (147, 70, 24, 1, 1834);
INSERT INTO public.order_items VALUES (148, 71, 35, 1, 372);
INSERT INTO public.order_items VALUES (149, 71, 35, 4, 837);
INSERT INTO public.order_items VALUES (150, 72, 6, 3, 184);
INSERT INTO public.order_items VALUES (151, 73, 2, 2, 735);
INSERT INTO public.order_items VALUES (152, 73, 7, 3, 566);
INSERT INTO public.order_items VALUES (153, 73, 7, 1, 626);
INSERT INTO public.order_items VALUES (154, 74, 29, 3, 386);
INSERT INTO public.order_items VALUES (155, 75, 16, 4, 2001);
INSERT INTO public.order_items VALUES (156, 75, 26, 3, 2468);
INSERT INTO public.order_items VALUES (157, 75, 21, 4, 605);
INSERT INTO public.order_items VALUES (158, 76, 15, 2, 586);
INSERT INTO public.order_items VALUES (159, 77, 23, 3, 515);
INSERT INTO public.order_items VALUES (160, 77, 3, 4, 1471);
INSERT INTO public.order_items VALUES (161, 77, 38, 1, 2359);
INSERT INTO public.order_items VALUES (162, 78, 26, 3, 540);
INSERT INTO public.order_items VALUES (163, 78, 21, 2, 2374);
INSERT INTO public.order_items VALUES (164, 79, 37, 1, 2309);
INSERT INTO public.order_items VALUES (165, 79, 37, 1, 1891);
INSERT INTO public.order_items VALUES (166, 79, 2, 2, 605);
INSERT INTO public.order_items VALUES (167, 80, 33, 2, 1342);
INSERT INTO public.order_items VALUES (168, 80, 38, 1, 2212);
INSERT INTO public.order_items VALUES (169, 80, 8, 2, 1551);
INSERT INTO public.order_items VALUES (170, 81, 39, 4, 1302);
INSERT INTO public.order_items VALUES (171, 81, 24, 1, 1868);
INSERT INTO public.order_items VALUES (172, 82, 12, 4, 1209);
INSERT INTO public.order_items VALUES (173, 82, 37, 3, 1141);
INSERT INTO public.order_items VALUES (174, 83, 7, 1, 981);
INSERT INTO public.order_items VALUES (175, 83, 2, 4, 1395);
INSERT INTO public.order_items VALUES (176, 84, 2, 3, 1281);
INSERT INTO public.order_items VALUES (177, 85, 30, 4, 1124);
INSERT INTO public.order_items VALUES (178, 85, 15, 2, 2383);
INSERT INTO public.order_items VALUES (179, 86, 29, 3, 863);
INSERT INTO public.order_items VALUES (180, 86, 19, 2, 607);
INSERT INTO public.order_items VALUES (181, 87, 18, 4, 480);
INSERT INTO public.order_items VALUES (182, 87, 28, 4, 1778);
INSERT INTO public.order_items VALUES (183, 88, 14, 4, 1177);
INSERT INTO public.order_items VALUES (184, 89, 35, 1, 435);
INSERT INTO public.order_items VALUES (185, 89, 30, 3, 373);
INSERT INTO public.order_items VALUES (186, 90, 16, 3, 913);
INSERT INTO public.order_items VALUES (187, 90, 6, 1, 604);
INSERT INTO public.order_items VALUES (188, 91, 8, 4, 1957);
INSERT INTO public.order_items VALUES (189, 91, 8, 4, 824);
INSERT INTO public.order_items VALUES (190, 92, 19, 2, 252);
INSERT INTO public.order_items VALUES (191, 93, 12, 2, 481);
INSERT INTO public.order_items VALUES (192, 94, 23, 3, 1613);
INSERT INTO public.order_items VALUES (193, 95, 4, 2, 542);
INSERT INTO public.order_items VALUES (194, 95, 34, 4, 2290);
INSERT INTO public.order_items VALUES (195, 95, 29, 3, 2457);
INSERT INTO public.order_items VALUES (196, 96, 14, 1, 2442);
INSERT INTO public.order_items VALUES (197, 96, 29, 4, 530);
INSERT INTO public.order_items VALUES (198, 97, 18, 1, 2296);
INSERT INTO public.order_items VALUES (199, 97, 18, 4, 2003);
INSERT INTO public.order_items VALUES (200, 97, 23, 3, 609);
INSERT INTO public.order_items VALUES (201, 98, 28, 3, 534);
INSERT INTO public.order_items VALUES (202, 98, 38, 1, 1327);
INSERT INTO public.order_items VALUES (203, 99, 5, 4, 1602);
INSERT INTO public.order_items VALUES (204, 99, 30, 1, 1592);
INSERT INTO public.order_items VALUES (205, 99, 25, 4, 1075);
INSERT INTO public.order_items VALUES (206, 100, 29, 1, 1015);
INSERT INTO public.order_items VALUES (207, 101, 23, 3, 1663);
INSERT INTO public.order_items VALUES (208, 102, 25, 4, 1315);
INSERT INTO public.order_items VALUES (209, 103, 25, 3, 2221);
INSERT INTO public.order_items VALUES (210, 103, 35, 2, 1379);
INSERT INTO public.order_items VALUES (211, 103, 15, 1, 714);
INSERT INTO public.order_items VALUES (212, 104, 1, 1, 1353);
INSERT INTO public.order_items VALUES (213, 104, 36, 3, 2107);
INSERT INTO public.order_items VALUES (214, 104, 31, 2, 399);
INSERT INTO public.order_items VALUES (215, 105, 22, 3, 2317);
INSERT INTO public.order_items VALUES (216, 105, 7, 4, 907);
INSERT INTO public.order_items VALUES (217, 105, 2, 3, 1807);
INSERT INTO public.order_items VALUES (218, 106, 6, 3, 839);
INSERT INTO public.order_items VALUES (219, 106, 36, 3, 854);
INSERT INTO public.order_items VALUES (220, 107, 1, 1, 1547);
INSERT INTO public.order_items VALUES (221, 107, 26, 1, 1362);
INSERT INTO public.order_items VALUES (222, 107, 26, 2, 626);
INSERT INTO public.order_items VALUES (223, 108, 34, 2, 1881);
INSERT INTO public.order_items VALUES (224, 108, 39, 3, 322);
INSERT INTO public.order_items VALUES (225, 108, 39, 4, 865);
INSERT INTO public.order_items VALUES (226, 109, 21, 2, 1773);
INSERT INTO public.order_items VALUES (227, 110, 20, 2, 968);
INSERT INTO public.order_items VALUES (228, 110, 30, 3, 1571);
INSERT INTO public.order_items VALUES (229, 110, 30, 2, 2443);
INSERT INTO public.order_items VALUES (230, 111, 25, 1, 2479);
INSERT INTO public.order_items VALUES (231, 111, 30, 1, 1275);
INSERT INTO public.order_items VALUES (232, 111, 15, 1, 273);
INSERT INTO public.order_items VALUES (233, 112, 36, 3, 1563);
INSERT INTO public.order_items VALUES (234, 112, 11, 4, 771);
INSERT INTO public.order_items VALUES (235, 112, 36, 3, 1578);
INSERT INTO public.order_items VALUES (236, 113, 25, 1, 1047);
INSERT INTO public.order_items VALUES (237, 113, 40, 4, 1235);
INSERT INTO public.order_items VALUES (238, 113, 5, 3, 2422);
INSERT INTO public.order_items VALUES (239, 114, 23, 1, 2242);
INSERT INTO public.order_items VALUES (240, 114, 13, 1, 517);
INSERT INTO public.order_items VALUES (241, 115, 31, 3, 1228);
INSERT INTO public.order_items VALUES (242, 115, 36, 3, 991);
INSERT INTO public.order_items VALUES (243, 115, 31, 1, 2191);
INSERT INTO public.order_items VALUES (244, 116, 13, 4, 1496);
INSERT INTO public.order_items VALUES (245, 117, 37, 3, 2190);
INSERT INTO public.order_items VALUES (246, 117, 12, 2, 196);
INSERT INTO public.order_items VALUES (247, 117, 22, 3, 1094);
INSERT INTO public.order_items VALUES (248, 118, 2, 4, 1924);
INSERT INTO public.order_items VALUES (249, 118, 17, 2, 1179);
INSERT INTO public.order_items VALUES (250, 118, 32, 4, 445);
INSERT INTO public.order_items VALUES (251, 119, 15, 3, 1904);
INSERT INTO public.order_items VALUES (252, 119, 5, 3, 2207);
INSERT INTO public.order_items VALUES (253, 120, 15, 4, 962);
INSERT INTO public.order_items VALUES (254, 120, 25, 4, 726);
INSERT INTO public.order_items VALUES (255, 120, 10, 4, 1066);
INSERT INTO public.order_items VALUES (256, 121, 14, 1, 719);
INSERT INTO public.order_items VALUES (257, 121, 24, 4, 1525);
INSERT INTO public.order_items VALUES (258, 121, 19, 4, 291);
INSERT INTO public.order_items VALUES (259, 122, 21, 4, 1240);
INSERT INTO public.order_items VALUES (260, 122, 21, 2, 812);
INSERT INTO public.order_items VALUES (261, 123, 28, 1, 613);
INSERT INTO public.order_items VALUES (262, 124, 30, 3, 1229);
INSERT INTO public.order_items VALUES (263, 125, 2, 1, 1240);
INSERT INTO public.order_items VALUES (264, 125, 27, 4, 912);
INSERT INTO public.order_items VALUES (265, 125, 22, 3, 1665);
INSERT INTO public.order_items VALUES (266, 126, 26, 3, 1924);
INSERT INTO public.order_items VALUES (267, 126, 16, 1, 697);
INSERT INTO public.order_items VALUES (268, 127, 17, 1, 1521);
INSERT INTO public.order_items VALUES (269, 127, 32, 2, 2341);
INSERT INTO public.order_items VALUES (270, 127, 32, 4, 2077);
INSERT INTO public.order_items VALUES (271, 128, 21, 3, 2035);
INSERT INTO public.order_items VALUES (272, 128, 6, 3, 425);
INSERT INTO public.order_items VALUES (273, 128, 21, 2, 1607);
INSERT INTO public.order_items VALUES (274, 129, 25, 1, 330);
INSERT INTO public.order_items VALUES (275, 129, 10, 4, 1673);
INSERT INTO public.order_items VALUES (276, 130, 7, 2, 661);
INSERT INTO public.order_items VALUES (277, 130, 22, 3, 839);
INSERT INTO public.order_items VALUES (278, 131, 13, 2, 440);
INSERT INTO public.order_items VALUES (279, 132, 34, 3, 972);
INSERT INTO public.order_items VALUES (280, 132, 14, 2, 1488);
INSERT INTO public.order_items VALUES (281, 133, 35, 3, 1340);
INSERT INTO public.order_items VALUES (282, 133, 35, 1, 773);
INSERT INTO public.order_items VALUES (283, 134, 18, 4, 1014);
INSERT INTO public.order_items VALUES (284, 135, 28, 3, 955);
INSERT INTO public.order_items VALUES (285, 136, 40, 1, 448);
INSERT INTO public.order_items VALUES (286, 136, 20, 4, 219);
INSERT INTO public.order_items VALUES (287, 136, 30, 3, 714);
INSERT INTO public.order_items VALUES (288, 137, 24, 1, 1653);
INSERT INTO public.order_items VALUES (289, 138, 16, 3, 2025);
INSERT INTO public.order_items VALUES (290, 139, 8, 1, 1946);
INSERT INTO public.order_items VALUES (291, 139, 13, 1, 2292);
INSERT INTO public.order_items VALUES (292, 140, 24, 1, 934);
INSERT INTO public.order_items VALUES (293, 140, 29, 3, 577);
INSERT INTO public.order_items VALUES (294, 140, 34, 4, 361);
INSERT INTO public.order_items VALUES (295, 141, 32, 2, 1868);
INSERT INTO public.order_items VALUES (296, 141, 7, 1, 394);
INSERT INTO public.order_items VALUES (297, 141, 7, 3, 2450);
INSERT INTO public.order_items VALUES (298, 142, 31, 2, 701);
INSERT INTO public.order_items VALUES (299, 142, 6, 3, 1111);
INSERT INTO public.order_items VALUES (300, 142, 26, 2, 640);
INSERT INTO public.order_items VALUES (301, 143, 5, 2, 571);
INSERT INTO public.order_items VALUES (302, 143, 20, 1, 2075);
INSERT INTO public.order_items VALUES (303, 143, 15, 4, 1412);
INSERT INTO public.order_items VALUES (304, 144, 23, 3, 2481);
INSERT INTO public.order_items VALUES (305, 145, 6, 3, 2191);
INSERT INTO public.order_items VALUES (306, 145, 11, 4, 686);
INSERT INTO public.order_items VALUES (307, 145, 21, 3, 1497);
INSERT INTO public.order_items VALUES (308, 146, 38, 1, 152);
INSERT INTO public.order_items VALUES (309, 147, 39, 3, 897);
INSERT INTO public.order_items VALUES (310, 147, 39, 2, 1808);
INSERT INTO public.order_items VALUES (311, 147, 19, 1, 782);
INSERT INTO public.order_items VALUES (312, 148, 13, 4, 2325);
INSERT INTO public.order_items VALUES (313, 148, 8, 2, 950);
INSERT INTO public.order_items VALUES (314, 148, 33, 2, 355);
INSERT INTO public.order_items VALUES (315, 149, 13, 4, 1155);
INSERT INTO public.order_items VALUES (316, 149, 8, 2, 2307);
INSERT INTO public.order_items VALUES (317, 150, 33, 2, 1434);
INSERT INTO public.order_items VALUES (318, 150, 8, 4, 999);
INSERT INTO public.order_items VALUES (319, 150, 23, 3, 862);
INSERT INTO public.order_items VALUES (320, 151, 30, 2, 1632);
INSERT INTO public.order_items VALUES (321, 152, 12, 3, 347);
INSERT INTO public.order_items VALUES (322, 152, 37, 3, 1652);
INSERT INTO public.order_items VALUES (323, 153, 11, 4, 705);
INSERT INTO public.order_items VALUES (324, 153, 1, 1, 614);
INSERT INTO public.order_items VALUES (325, 153, 21, 2, 1850);
INSERT INTO public.order_items VALUES (326, 154, 3, 4, 1030);
INSERT INTO public.order_items VALUES (327, 155, 8, 2, 304);
INSERT INTO public.order_items VALUES (328, 156, 39, 2, 745);
INSERT INTO public.order_items VALUES (329, 156, 19, 3, 1330);
INSERT INTO public.order_items VALUES (330, 157, 31, 3, 412);
INSERT INTO public.order_items VALUES (331, 158, 8, 2, 479);
INSERT INTO public.order_items VALUES (332, 159, 6, 2, 1506);
INSERT INTO public.order_items VALUES (333, 159, 6, 4, 863);
INSERT INTO public.order_items VALUES (334, 159, 16, 3, 1020);
INSERT INTO public.order_items VALUES (335, 160, 20, 3, 314);
INSERT INTO public.order_items VALUES (336, 160, 5, 2, 667);
INSERT INTO public.order_items VALUES (337, 160, 40, 4, 1698);

SELECT pg_catalog.setval('public.order_items_id_seq', 337, true);


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
