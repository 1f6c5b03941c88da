/* skylift.db._fastcopy.MyRows: MySQL binary-protocol result rows (COM_STMT_EXECUTE) to
 * PostgreSQL binary COPY records, without a Python object per value.
 *
 * The accelerator of src/skylift/db/sources/mysql/_binary.py. Python sends the prepared
 * statement and reads the column definitions; `feed` then takes the raw bytes off the socket,
 * cuts the row packets out of them and encodes every complete row, with the same digest as the
 * SQLite part (the sum of each record's xxh3, mod 2^64). The server sends numbers, dates and
 * times in binary, so it prints nothing, and nothing here parses text.
 *
 * Only the plain case is taken. A value the Python path treats in any other way (text that is
 * not strict UTF-8 or holds NUL, an impossible or partly zero date, a TIME outside a day, an
 * integer outside its target type, a boolean that is not 0/1, an enum's empty error value) makes
 * its row `unusual`: the row is skipped and its key (the first selected column, target 'k') is
 * kept in `.unusual`, for the Python path to read again by key, which converts the value or
 * keeps the row in the reject table with its reason. Without a key, `Unusual` is raised and the
 * table goes to the Python path. Zero dates ('0000-00-00', length 0 on the wire) are NULL, as on
 * the Python path, which the profile counted and reported.
 *
 * Each column is described by two bytes: its MySQL wire type and its target:
 *   k the integer key (read, not sent)   h smallint   i integer   l bigint
 *   b boolean from an integer 0/1        B boolean from BIT(1)    y YEAR (0 is NULL) as smallint
 *   f real (FLOAT)   F double precision (DOUBLE)   d date   T timestamp(tz) (UTC on the wire)
 *   t time   s text   e enum label   x bytea
 *   n numeric (DECIMAL's text, or an integer) with the display scale of the fourth byte
 *   c char(n), padded with spaces to the fourth byte's number of characters
 *   j jsonb, printed as PostgreSQL prints it (jsonb.c)
 * and a third byte, 1 when the wire integer is UNSIGNED; the fourth is the numeric's scale or
 * the char's length.
 */
#include "records.h"

enum {
    W_TINY = 1, W_SHORT = 2, W_LONG = 3, W_FLOAT = 4, W_DOUBLE = 5, W_TIMESTAMP = 7,
    W_LONGLONG = 8, W_INT24 = 9, W_DATE = 10, W_TIME = 11, W_DATETIME = 12, W_YEAR = 13,
    W_NEWDATE = 14,
};

#define SPEC 4 /* bytes describing a column */

typedef struct {
    PyObject_HEAD
    unsigned char *spec; /* 4 bytes a column: wire type, target, unsigned, numeric scale */
    int ncols, nfields, keyed;
    uint64_t total;
    long long rows;
    PyObject *unusual; /* keys of the rows skipped */
    Buf buf;
} MyRows;

enum { ROW_OK = 1, ROW_UNUSUAL = 0, ROW_NOMEM = -1, ROW_BROKEN = -2 };

/* A row's integer key, kept for the Python path should the row be unusual. */
typedef struct {
    uint64_t bits;
    int is_unsigned;
} Key;

static inline uint64_t le(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static int valid_day(int y, int m, int d) {
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= dim[m - 1] + (m == 2 && leap);
}

/* The integer of a fixed-size wire value; 0 when it does not fit in int64. */
static int wire_int(unsigned char wire, int is_unsigned, const unsigned char *p, int64_t *out) {
    switch (wire) {
    case W_TINY: *out = is_unsigned ? (int64_t)p[0] : (int64_t)(int8_t)p[0]; return 1;
    case W_SHORT:
    case W_YEAR: {
        uint16_t v = (uint16_t)le(p, 2);
        *out = is_unsigned || wire == W_YEAR ? (int64_t)v : (int64_t)(int16_t)v;
        return 1;
    }
    case W_LONG:
    case W_INT24: {
        uint32_t v = (uint32_t)le(p, 4);
        *out = is_unsigned ? (int64_t)v : (int64_t)(int32_t)v;
        return 1;
    }
    default: {
        uint64_t v = le(p, 8);
        if (is_unsigned && v > (uint64_t)INT64_MAX) return 0;
        *out = (int64_t)v;
        return 1;
    }
    }
}

static int fixed_size(unsigned char wire) {
    switch (wire) {
    case W_TINY: return 1;
    case W_SHORT:
    case W_YEAR: return 2;
    case W_LONG:
    case W_INT24:
    case W_FLOAT: return 4;
    case W_LONGLONG:
    case W_DOUBLE: return 8;
    default: return 0;
    }
}

static int is_temporal(unsigned char wire) {
    return wire == W_DATE || wire == W_NEWDATE || wire == W_DATETIME || wire == W_TIMESTAMP ||
           wire == W_TIME;
}

/* Microseconds since 2000-01-01 of a DATE/DATETIME/TIMESTAMP value (n = 4, 7 or 11 bytes);
 * 0 when it is not a real point in time. */
static int wire_timestamp(const unsigned char *p, int n, int64_t *micros, int64_t *days_out) {
    if (n != 4 && n != 7 && n != 11) return 0;
    int y = (int)le(p, 2), m = p[2], d = p[3];
    int hh = n > 4 ? p[4] : 0, mi = n > 4 ? p[5] : 0, ss = n > 4 ? p[6] : 0;
    int64_t frac = n > 7 ? (int64_t)le(p + 7, 4) : 0;
    if (!valid_day(y, m, d) || y > 9999 || hh > 23 || mi > 59 || ss > 59 || frac > 999999)
        return 0;
    int64_t days = days_from_civil(y, m, d) - PG_EPOCH_DAYS;
    *days_out = days;
    *micros = (days * 86400 + hh * 3600 + mi * 60 + ss) * 1000000 + frac;
    return 1;
}

#define MAX_DIGITS 1000

/* A plain decimal's text ("-123.4500": digits, at most one point, no more fraction digits than
 * `scale`) as PostgreSQL's binary numeric of display scale `scale`, in the form PostgreSQL
 * stores and sends back: base-10000 digits without leading or trailing zero ones, zero
 * positive with weight 0. ROW_UNUSUAL when the text is not such a decimal. */
int put_numeric(Buf *b, const unsigned char *s, size_t n, int scale) {
    size_t i = 0;
    int neg = n > 0 && s[0] == '-';
    i = (size_t)neg;
    size_t whole = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    size_t whole_len = i - whole, frac = i, frac_len = 0;
    if (i < n && s[i] == '.') {
        frac = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        frac_len = i - frac;
    }
    if (i != n || whole_len + frac_len == 0 || frac_len > (size_t)scale ||
        whole_len + frac_len > MAX_DIGITS)
        return ROW_UNUSUAL;
    uint16_t groups[MAX_DIGITS / 4 + 4];
    int count = 0, whole_groups = (int)((whole_len + 3) / 4);
    size_t lead = whole_len - (size_t)(whole_groups - 1) * 4; /* digits in the first group */
    for (int g = 0; g < whole_groups; g++) {
        size_t from = g == 0 ? 0 : lead + (size_t)(g - 1) * 4, len = g == 0 ? lead : 4;
        int v = 0;
        for (size_t k = 0; k < len; k++) v = v * 10 + (s[whole + from + k] - '0');
        groups[count++] = (uint16_t)v;
    }
    for (size_t f = 0; f < frac_len; f += 4) {
        int v = 0;
        for (size_t k = 0; k < 4; k++) v = v * 10 + (f + k < frac_len ? s[frac + f + k] - '0' : 0);
        groups[count++] = (uint16_t)v;
    }
    int weight = whole_groups - 1, start = 0, end = count;
    while (start < end && groups[start] == 0) { start++; weight--; }
    while (end > start && groups[end - 1] == 0) end--;
    if (start == end) { weight = 0; neg = 0; }
    int ndigits = end - start;
    if (buf_reserve(b, 12 + 2 * (size_t)ndigits + b->slack) < 0) return ROW_NOMEM;
    put32(b, (uint32_t)(8 + 2 * ndigits));
    put16(b, (uint16_t)ndigits);
    put16(b, (uint16_t)(int16_t)weight);
    put16(b, neg ? 0x4000 : 0);
    put16(b, (uint16_t)scale);
    for (int g = start; g < end; g++) put16(b, groups[g]);
    return ROW_OK;
}

static inline void put_int(Buf *b, int size, int64_t v) {
    put32(b, (uint32_t)size);
    if (size == 2) put16(b, (uint16_t)v);
    else if (size == 4) put32(b, (uint32_t)v);
    else put64(b, (uint64_t)v);
}

/* Encodes one value of the wire at `*at` (moved past it); ROW_UNUSUAL when it is not plain. */
static int put_value(Buf *b, const unsigned char *spec, const unsigned char **at,
                     const unsigned char *end, Key *key) {
    const unsigned char *p = *at;
    unsigned char wire = spec[0], target = spec[1];
    int size = fixed_size(wire);
    if (size) {
        if (p + size > end) return ROW_BROKEN;
        *at = p + size;
        int64_t v;
        if (target == 'f' || target == 'F') {
            if (size != (target == 'f' ? 4 : 8)) return ROW_BROKEN;
            put32(b, (uint32_t)size);
            if (size == 4) put32(b, (uint32_t)le(p, 4));
            else put64(b, le(p, 8));
            return ROW_OK;
        }
        if (target == 'k') { /* the whole key, unsigned ones past 2^63 too */
            key->is_unsigned = spec[2];
            if (spec[2]) key->bits = le(p, size);
            else if (wire_int(wire, 0, p, &v)) key->bits = (uint64_t)v;
            return ROW_OK;
        }
        if (target == 'n') { /* an integer (bigint unsigned) as numeric */
            char text[24];
            int len;
            if (spec[2]) {
                len = snprintf(text, sizeof text, "%llu", (unsigned long long)le(p, size));
            } else {
                wire_int(wire, 0, p, &v);
                len = snprintf(text, sizeof text, "%lld", (long long)v);
            }
            return put_numeric(b, (const unsigned char *)text, (size_t)len, spec[3]);
        }
        if (!wire_int(wire, spec[2], p, &v)) return ROW_UNUSUAL;
        switch (target) {
        case 'h': if (v < INT16_MIN || v > INT16_MAX) return ROW_UNUSUAL; put_int(b, 2, v); return ROW_OK;
        case 'i': if (v < INT32_MIN || v > INT32_MAX) return ROW_UNUSUAL; put_int(b, 4, v); return ROW_OK;
        case 'l': put_int(b, 8, v); return ROW_OK;
        case 'y':
            if (v == 0) put_null(b); /* YEAR 0000, MySQL's zero value */
            else put_int(b, 2, v);
            return ROW_OK;
        case 'b':
            if (v != 0 && v != 1) return ROW_UNUSUAL;
            put32(b, 1);
            b->data[b->len++] = (char)v;
            return ROW_OK;
        default: return ROW_BROKEN;
        }
    }
    uint64_t n;
    if (is_temporal(wire)) {
        if (p >= end) return ROW_BROKEN;
        n = p[0];
        p++;
    } else {
        if (p >= end) return ROW_BROKEN;
        unsigned char first = p[0];
        int width = first < 251 ? 0 : first == 252 ? 2 : first == 253 ? 3 : first == 254 ? 8 : -1;
        if (width < 0 || p + 1 + width > end) return ROW_BROKEN;
        n = width ? le(p + 1, width) : first;
        p += 1 + width;
    }
    if (n > (uint64_t)(end - p)) return ROW_BROKEN;
    *at = p + n;
    int64_t micros, days;
    switch (target) {
    case 'd':
        if (n == 0) { put_null(b); return ROW_OK; } /* '0000-00-00' */
        if (n != 4 || !wire_timestamp(p, 4, &micros, &days)) return ROW_UNUSUAL;
        put32(b, 4);
        put32(b, (uint32_t)(int32_t)days);
        return ROW_OK;
    case 'T':
        if (n == 0) { put_null(b); return ROW_OK; } /* '0000-00-00 00:00:00' */
        if (!wire_timestamp(p, (int)n, &micros, &days)) return ROW_UNUSUAL;
        put32(b, 8);
        put64(b, (uint64_t)micros);
        return ROW_OK;
    case 't':
        if (n == 0) micros = 0;
        else if ((n == 8 || n == 12) && p[0] == 0 && le(p + 1, 4) == 0 && p[5] < 24 && p[6] < 60 &&
                 p[7] < 60 && (n == 8 || le(p + 8, 4) <= 999999))
            micros = ((int64_t)p[5] * 3600 + p[6] * 60 + p[7]) * 1000000 + (n == 12 ? (int64_t)le(p + 8, 4) : 0);
        else return ROW_UNUSUAL; /* negative, or a day or more: a duration */
        put32(b, 8);
        put64(b, (uint64_t)micros);
        return ROW_OK;
    case 'n':
        return put_numeric(b, p, n, spec[3]);
    case 'B':
        if (n != 1 || p[0] > 1) return ROW_UNUSUAL;
        put32(b, 1);
        b->data[b->len++] = (char)p[0];
        return ROW_OK;
    case 'j': {
        /* jsonb: its version byte, then the document as jsonb prints it (what it sends back) */
        if (buf_reserve(b, 5 + b->slack) < 0) return ROW_NOMEM;
        size_t head = b->len;
        b->len += 4;
        b->data[b->len++] = 1;
        int r = jsonb_print(p, n, b);
        if (r != JSON_OK) return r;
        if (buf_reserve(b, b->slack) < 0) return ROW_NOMEM;
        size_t size = b->len - head - 4, end_at = b->len;
        b->len = head;
        put32(b, (uint32_t)size);
        b->len = end_at;
        return ROW_OK;
    }
    case 'c': {
        /* char(n): PostgreSQL pads it with spaces to n characters (MySQL sends it trimmed) */
        if (n > INT32_MAX || !valid_text(p, (int)n)) return ROW_UNUSUAL;
        size_t chars = 0;
        for (size_t k = 0; k < n; k++) chars += (p[k] & 0xC0) != 0x80;
        size_t pad = chars < spec[3] ? spec[3] - chars : 0;
        if (buf_reserve(b, n + pad + b->slack) < 0) return ROW_NOMEM;
        put32(b, (uint32_t)(n + pad));
        memcpy(b->data + b->len, p, n);
        memset(b->data + b->len + n, ' ', pad);
        b->len += n + pad;
        return ROW_OK;
    }
    case 'e':
        if (n == 0) return ROW_UNUSUAL; /* the enum's empty error value */
        /* fall through */
    case 's':
        if (n > INT32_MAX || !valid_text(p, (int)n)) return ROW_UNUSUAL;
        /* fall through */
    case 'x':
        if (n > INT32_MAX) return ROW_UNUSUAL;
        if (buf_reserve(b, n + b->slack) < 0) return ROW_NOMEM;
        put32(b, (uint32_t)n);
        memcpy(b->data + b->len, p, n);
        b->len += n;
        return ROW_OK;
    default: return ROW_BROKEN;
    }
}

/* One row packet (after its 0x00 header) to one record. */
static int put_row(MyRows *self, Buf *b, const unsigned char *row, size_t len, Key *key) {
    const unsigned char *end = row + len;
    int nb = (self->ncols + 9) / 8;
    if ((size_t)nb + 1 > len) return ROW_BROKEN;
    const unsigned char *nulls = row + 1, *at = row + 1 + nb;
    if (buf_reserve(b, b->slack) < 0) return ROW_NOMEM;
    put16(b, (uint16_t)self->nfields);
    for (int c = 0; c < self->ncols; c++) {
        const unsigned char *spec = self->spec + SPEC * c;
        if (nulls[(c + 2) >> 3] >> ((c + 2) & 7) & 1) {
            if (spec[1] == 'k') return ROW_BROKEN;
            put_null(b);
            continue;
        }
        int r = put_value(b, spec, &at, end, key);
        if (r != ROW_OK) return r; /* the key, if any, came first */
    }
    return at == end ? ROW_OK : ROW_BROKEN;
}

static int MyRows_init(MyRows *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"spec", NULL};
    Py_buffer spec;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*", names, &spec)) return -1;
    if (spec.len == 0 || spec.len % SPEC || spec.len / SPEC > 4000) {
        PyBuffer_Release(&spec);
        PyErr_SetString(PyExc_ValueError, "spec: 4 bytes a column");
        return -1;
    }
    PyMem_Free(self->spec);
    self->spec = PyMem_Malloc((size_t)spec.len);
    if (!self->spec) {
        PyBuffer_Release(&spec);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(self->spec, spec.buf, (size_t)spec.len);
    self->ncols = (int)(spec.len / SPEC);
    PyBuffer_Release(&spec);
    self->keyed = 0;
    for (int c = 0; c < self->ncols; c++)
        if (self->spec[SPEC * c + 1] == 'k') self->keyed++;
    if (self->keyed > 1 || (self->keyed && self->spec[1] != 'k')) {
        PyErr_SetString(PyExc_ValueError, "spec: the key, if any, is the first column");
        return -1;
    }
    self->nfields = self->ncols - self->keyed;
    self->buf.slack = 2 + (size_t)self->ncols * 12;
    Py_XSETREF(self->unusual, PyList_New(0));
    return self->unusual ? 0 : -1;
}

static void MyRows_dealloc(MyRows *self) {
    PyMem_Free(self->spec);
    free(self->buf.data);
    Py_XDECREF(self->unusual);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

enum { MORE = 0, END = 1, ERROR_PACKET = 2, BIG_PACKET = 3 };

/* feed(data, pos) -> (records, rows, pos, status): encodes every complete row packet in
 * data[pos:]; `pos` then points at the first byte not consumed. status: 0 more data needed,
 * 1 the result's end (its EOF packet consumed), 2 an error packet at `pos`, 3 a packet of 16 MB
 * or more at `pos` (the caller reads it its own way). */
static PyObject *MyRows_feed(MyRows *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t pos;
    if (!PyArg_ParseTuple(args, "y*n", &view, &pos)) return NULL;
    const unsigned char *data = view.buf;
    size_t n = (size_t)view.len, at = (size_t)pos;
    Buf *b = &self->buf;
    b->len = 0;
    int rows = 0, status = MORE, failure = ROW_OK;
    while (at + 4 <= n) {
        size_t len = data[at] | (size_t)data[at + 1] << 8 | (size_t)data[at + 2] << 16;
        if (len == 0xFFFFFF) { status = BIG_PACKET; break; }
        if (at + 4 + len > n) break;
        const unsigned char *pk = data + at + 4;
        if (len > 0 && pk[0] == 0xFE && len < 9) { at += 4 + len; status = END; break; }
        if (len > 0 && pk[0] == 0xFF) { status = ERROR_PACKET; break; }
        if (len == 0 || pk[0] != 0x00) { failure = ROW_BROKEN; break; }
        size_t start = b->len;
        Key key = {0, 0};
        int r = put_row(self, b, pk, len, &key);
        if (r == ROW_OK) {
            self->total += XXH3_64bits(b->data + start, b->len - start);
            rows++;
        } else if (r == ROW_UNUSUAL) {
            b->len = start;
            if (!self->keyed) { failure = ROW_UNUSUAL; break; }
            PyObject *k = key.is_unsigned ? PyLong_FromUnsignedLongLong(key.bits)
                                           : PyLong_FromLongLong((long long)key.bits);
            if (!k || PyList_Append(self->unusual, k) < 0) {
                Py_XDECREF(k);
                PyBuffer_Release(&view);
                return NULL;
            }
            Py_DECREF(k);
        } else {
            failure = r;
            break;
        }
        at += 4 + len;
    }
    PyBuffer_Release(&view);
    self->rows += rows;
    if (failure == ROW_NOMEM) return PyErr_NoMemory();
    if (failure == ROW_UNUSUAL) {
        PyErr_Format(skylift_Unusual, "row %lld: a value outside the plain form", self->rows);
        return NULL;
    }
    if (failure == ROW_BROKEN) {
        PyErr_Format(PyExc_ValueError, "row %lld: not a MySQL binary row of the expected columns",
                     self->rows);
        return NULL;
    }
    PyObject *records = PyBytes_FromStringAndSize(b->data, (Py_ssize_t)b->len);
    if (!records) return NULL;
    return Py_BuildValue("(Ninn)", records, rows, (Py_ssize_t)at, (Py_ssize_t)status);
}

static PyObject *MyRows_digest(MyRows *self, PyObject *unused) {
    return PyLong_FromUnsignedLongLong(self->total);
}

static PyObject *MyRows_unusual(MyRows *self, void *closure) {
    Py_INCREF(self->unusual);
    return self->unusual;
}

static PyMethodDef MyRows_methods[] = {
    {"feed", (PyCFunction)MyRows_feed, METH_VARARGS,
     "feed(data, pos) -> (records, rows, pos, status)"},
    {"digest", (PyCFunction)MyRows_digest, METH_NOARGS,
     "The records' digest: the sum of each one's xxh3, mod 2**64."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef MyRows_getset[] = {
    {"unusual", (getter)MyRows_unusual, NULL, "keys of the rows skipped as not plain", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject MyRowsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "skylift.db._fastcopy.MyRows",
    .tp_basicsize = sizeof(MyRows),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "MyRows(spec): MySQL binary-protocol rows to binary COPY records.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)MyRows_init,
    .tp_dealloc = (destructor)MyRows_dealloc,
    .tp_methods = MyRows_methods,
    .tp_getset = MyRows_getset,
};

int mysqlrows_ready(PyObject *module) {
    if (PyType_Ready(&MyRowsType) < 0) return -1;
    Py_INCREF(&MyRowsType);
    return PyModule_AddObject(module, "MyRows", (PyObject *)&MyRowsType);
}
