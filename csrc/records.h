/* Shared by the accelerator's parts (fastcopy.c: SQLite rows and COPY OUT digests;
 * mysqlrows.c: MySQL binary-protocol rows): the output buffer, big-endian writers, the text and
 * calendar checks, and the `Unusual` exception. */
#ifndef SKYLIFT_RECORDS_H
#define SKYLIFT_RECORDS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include "xxhash.h"

extern PyObject *skylift_Unusual;

/* ---- output buffer ---------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
    size_t slack; /* room a whole row of fixed-size values needs: kept free after any text */
} Buf;

static inline int buf_reserve(Buf *b, size_t more) {
    if (b->len + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more) cap *= 2;
    char *data = realloc(b->data, cap); /* no GIL needed: called with it released */
    if (!data) return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static inline void put16(Buf *b, uint16_t v) {
    b->data[b->len++] = (char)(v >> 8);
    b->data[b->len++] = (char)v;
}

static inline void put32(Buf *b, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b->data[b->len++] = (char)(v >> s);
}

static inline void put64(Buf *b, uint64_t v) {
    for (int s = 56; s >= 0; s -= 8) b->data[b->len++] = (char)(v >> s);
}

/* ---- value checks ----------------------------------------------------------------------- */

/* Strict UTF-8 as Python decodes it (no overlong forms, no surrogates, nothing past U+10FFFF),
 * and no NUL (PostgreSQL text cannot hold it). */
static inline int valid_text(const unsigned char *s, int n) {
    int i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c == 0) return 0;
            i++;
            continue;
        }
        int need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) { need = 2; lo = 0xA0; }
        else if (c >= 0xE1 && c <= 0xEC) need = 2;
        else if (c == 0xED) { need = 2; hi = 0x9F; }
        else if (c >= 0xEE && c <= 0xEF) need = 2;
        else if (c == 0xF0) { need = 3; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) { need = 3; hi = 0x8F; }
        else return 0;
        if (i + need >= n) return 0;
        unsigned char c1 = s[i + 1];
        if (c1 < lo || c1 > hi) return 0;
        for (int k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80) return 0;
        i += need + 1;
    }
    return 1;
}

/* Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static inline int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static const int64_t PG_EPOCH_DAYS = 10957; /* 2000-01-01 */

/* The PostgreSQL binary record of a NULL. */
static inline void put_null(Buf *b) { put32(b, 0xFFFFFFFFu); }

/* What a value's encoder answers (mysqlrows.c's ROW_ codes share these values). */
enum { JSON_OK = 1, JSON_UNUSUAL = 0, JSON_NOMEM = -1 };

/* jsonb.c: a JSON document printed as jsonb_out prints it. */
int jsonb_print(const unsigned char *s, size_t n, Buf *out);
PyObject *jsonb_py(PyObject *module, PyObject *arg);

/* mysqlrows.c: a plain decimal's text ("-12.50", at most `scale` fraction digits) as
 * PostgreSQL's binary numeric of that display scale; JSON_UNUSUAL when it is not one. */
int put_numeric(Buf *b, const unsigned char *s, size_t n, int scale);

int mysqlrows_ready(PyObject *module);

#endif
