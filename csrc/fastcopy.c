/* skylift.db._fastcopy: SQLite rows to PostgreSQL binary COPY records, without a Python object
 * per value.
 *
 * An optional accelerator of src/skylift/db/sources/sqlite/_binary.py. It runs the same SELECT
 * (the profile's plan, the chunk's rowid range) on its own read-only connection to the snapshot
 * and encodes each row exactly as the Python encoder would (psycopg's binary dumpers), with the
 * same digest (the sum of each record's xxh3, mod 2^64).
 *
 * It only takes the plain case. Any value the Python path would treat in any other way (another
 * storage class, a boolean that is not 0/1, text that is not valid UTF-8 or holds NUL, a date or
 * time not in the strict ISO form) raises `Unusual`: the caller then copies the table with the
 * Python path, which converts the value or keeps it in the reject table with its reason. So the
 * bytes sent never depend on which path ran; tests compare both paths byte for byte.
 *
 * `CopyDigest` is the other end: it reads a `COPY ... TO STDOUT (FORMAT binary)` straight from
 * libpq (the connection and libpq's functions passed in as addresses by the caller) and digests
 * the records PostgreSQL sends back the same way, again with no Python object per row.
 *
 * Column kinds (one character each): i bigint, b boolean, f double precision, t text/varchar,
 * x bytea, d date ('YYYY-MM-DD'), z timestamptz ('YYYY-MM-DD HH:MM:SS[.ffffff]+00'), Z the
 * same without '+00' (a plain timestamp taken as UTC: the plan's `c || '+00'`, without the cost
 * of SQLite building a new string per value), n numeric(p,s) (a plain decimal that fits the
 * scale, as the profile found every value), j jsonb (jsonb.c).
 */
#include <sqlite3.h>

#include "records.h"

PyObject *skylift_Unusual;

static int digits(const unsigned char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* 'YYYY-MM-DD', a real date of years 1 to 9999 (Python's date range); days since 2000-01-01. */
static int parse_date(const unsigned char *s, int n, int64_t *days) {
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (n < 10 || s[4] != '-' || s[7] != '-') return 0;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d)) return 0;
    if (y < 1 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > dim[m - 1] + (m == 2 && leap)) return 0;
    *days = days_from_civil(y, m, d) - PG_EPOCH_DAYS;
    return 1;
}

/* 'YYYY-MM-DD HH:MM:SS[.f{1,6}]' (or 'T' between), then '+00' when `zone`; microseconds
 * since 2000-01-01 UTC. */
static int parse_timestamptz(const unsigned char *s, int n, int zone, int64_t *micros) {
    int64_t days;
    int hh, mi, ss, frac = 0;
    if (n < 19 || !parse_date(s, 10, &days)) return 0;
    if (s[10] != ' ' && s[10] != 'T') return 0;
    if (s[13] != ':' || s[16] != ':') return 0;
    if (!digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &ss)) return 0;
    if (hh > 23 || mi > 59 || ss > 59) return 0;
    int i = 19;
    if (i < n && s[i] == '.') {
        int k = 0;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (++k > 6) return 0;
            frac = frac * 10 + (s[i] - '0');
            i++;
        }
        if (k == 0) return 0;
        for (; k < 6; k++) frac *= 10;
    }
    if (!zone && i != n) return 0;
    if (zone && (n - i != 3 || s[i] != '+' || s[i + 1] != '0' || s[i + 2] != '0')) return 0;
    *micros = ((days * 86400 + hh * 3600 + mi * 60 + ss) * 1000000) + frac;
    return 1;
}

/* ---- numeric(p,s) ------------------------------------------------------------------------- */

/* The digits Python's repr() prints for a double (the shortest that reads back the same): the
 * first of 15, 16 and 17 significant digits that round-trips is the one repr chooses. */
static int shortest_double(double d, char *out, size_t size) {
    int n = 0;
    for (int digits = 15; digits <= 17; digits++) {
        n = snprintf(out, size, "%.*g", digits, d);
        if (strtod(out, NULL) == d) break;
    }
    return n;
}

/* A number SQLite stored into numeric(p, scale), from the text the CSV path sends for it (an
 * integer's digits, a real's repr() digits, text as it is). Only a plain decimal that needs no
 * rounding is taken (the profile widened the type of a column that holds any other); anything
 * else is not plain, and precision is PostgreSQL's to check. */
static int put_sqlite_numeric(Buf *b, sqlite3_stmt *st, int c, int type, int scale) {
    char text[64];
    const unsigned char *s = (const unsigned char *)text;
    size_t n;
    if (type == SQLITE_INTEGER) {
        n = (size_t)snprintf(text, sizeof text, "%lld", (long long)sqlite3_column_int64(st, c));
    } else if (type == SQLITE_FLOAT) {
        double d = sqlite3_column_double(st, c);
        if (d != d || d - d != 0) return 0; /* NaN, infinities */
        n = (size_t)shortest_double(d, text, sizeof text);
    } else if (type == SQLITE_TEXT) {
        s = sqlite3_column_text(st, c);
        n = (size_t)sqlite3_column_bytes(st, c);
    } else {
        return 0;
    }
    return put_numeric(b, s, n, scale);
}

/* ---- one value -------------------------------------------------------------------------- */

/* Appends column `c` of the current row; 0 when the value is not plain for its kind. */
static int put_value(Buf *b, sqlite3_stmt *st, int c, char kind, int scale) {
    int type = sqlite3_column_type(st, c);
    if (type == SQLITE_NULL) {
        put32(b, 0xFFFFFFFFu);
        return 1;
    }
    switch (kind) {
    case 'i':
        if (type != SQLITE_INTEGER) return 0;
        put32(b, 8);
        put64(b, (uint64_t)sqlite3_column_int64(st, c));
        return 1;
    case 'b': {
        if (type != SQLITE_INTEGER) return 0;
        sqlite3_int64 v = sqlite3_column_int64(st, c);
        if (v != 0 && v != 1) return 0;
        put32(b, 1);
        b->data[b->len++] = (char)v;
        return 1;
    }
    case 'f': {
        if (type != SQLITE_FLOAT) return 0;
        double d = sqlite3_column_double(st, c);
        uint64_t bits;
        memcpy(&bits, &d, 8);
        put32(b, 8);
        put64(b, bits);
        return 1;
    }
    case 'd': case 'z': case 'Z': {
        if (type != SQLITE_TEXT) return 0;
        const unsigned char *s = sqlite3_column_text(st, c);
        int n = sqlite3_column_bytes(st, c);
        int64_t v;
        if (kind == 'd') {
            if (n != 10 || !parse_date(s, n, &v)) return 0;
            put32(b, 4);
            put32(b, (uint32_t)(int32_t)v);
        } else {
            if (!parse_timestamptz(s, n, kind == 'z', &v)) return 0;
            put32(b, 8);
            put64(b, (uint64_t)v);
        }
        return 1;
    }
    case 'n':
        return put_sqlite_numeric(b, st, c, type, scale);
    case 'j': {
        /* JSON (text, or an integer SQLite stored as one): jsonb's version byte and its form;
         * a real goes to the Python path, which reads it as repr() prints it */
        if (type != SQLITE_TEXT && type != SQLITE_INTEGER) return 0;
        const unsigned char *s = sqlite3_column_text(st, c);
        int n = sqlite3_column_bytes(st, c);
        if (buf_reserve(b, 5 + b->slack) < 0) return -1;
        size_t head = b->len;
        b->len += 4;
        b->data[b->len++] = 1;
        int r = jsonb_print(s, (size_t)n, b);
        if (r != JSON_OK) return r;
        if (buf_reserve(b, b->slack) < 0) return -1;
        size_t end_at = b->len;
        b->len = head;
        put32(b, (uint32_t)(end_at - head - 4));
        b->len = end_at;
        return 1;
    }
    case 't': case 'x': {
        if (type != (kind == 't' ? SQLITE_TEXT : SQLITE_BLOB)) return 0;
        const void *p = kind == 't' ? (const void *)sqlite3_column_text(st, c)
                                    : sqlite3_column_blob(st, c);
        int n = sqlite3_column_bytes(st, c);
        if (kind == 't' && !valid_text(p, n)) return 0;
        if (buf_reserve(b, (size_t)n + 4 + b->slack) < 0) return -1;
        put32(b, (uint32_t)n);
        if (n) memcpy(b->data + b->len, p, (size_t)n);
        b->len += (size_t)n;
        return 1;
    }
    }
    return 0;
}

/* ---- the Records iterator --------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    sqlite3 *db;
    sqlite3_stmt *st;
    char *kinds;
    int *scales; /* the scale of each numeric(p,s) column (kind n) */
    int ncols;
    int batch;
    int done;
    uint64_t total;
    long long rows;
    Buf buf;
} Records;

static void Records_close(Records *self) {
    if (self->st) sqlite3_finalize(self->st);
    if (self->db) sqlite3_close(self->db);
    self->st = NULL;
    self->db = NULL;
}

static void Records_dealloc(Records *self) {
    Records_close(self);
    PyMem_Free(self->kinds);
    PyMem_Free(self->scales);
    free(self->buf.data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *sqlite_error(sqlite3 *db, const char *what) {
    PyErr_Format(PyExc_RuntimeError, "SQLite %s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    return NULL;
}

/* `scales`: the scale of each column (kind n; anything for other kinds), or None. */
static int scale_spec(Records *self, PyObject *scales) {
    self->scales = PyMem_Calloc((size_t)self->ncols, sizeof(int));
    if (!self->scales) {
        PyErr_NoMemory();
        return -1;
    }
    if (scales == NULL || scales == Py_None) return 0;
    PyObject *seq = PySequence_Fast(scales, "scales must be a sequence");
    if (!seq) return -1;
    int ok = PySequence_Fast_GET_SIZE(seq) == self->ncols;
    for (int c = 0; ok && c < self->ncols; c++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, c));
        ok = v >= 0 && v <= 1000;
        self->scales[c] = (int)v;
    }
    Py_DECREF(seq);
    if (!ok && !PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "scales: one per column");
    return ok ? 0 : -1;
}

static int Records_init(Records *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"uri", "sql", "params", "kinds", "batch", "scales", NULL};
    const char *uri, *sql, *kinds;
    PyObject *params, *scales = NULL;
    int batch = 1000;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ssOs|iO", names, &uri, &sql, &params, &kinds,
                                     &batch, &scales))
        return -1;
    if (sqlite3_open_v2(uri, &self->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        sqlite_error(self->db, "open");
        return -1;
    }
    /* a live app's file in rollback-journal mode: while its write commits, a reader is turned
       away (SQLITE_BUSY) instead of waiting, unless it waits like every other connection */
    sqlite3_busy_timeout(self->db, 30000);
    if (sqlite3_prepare_v2(self->db, sql, -1, &self->st, NULL) != SQLITE_OK) {
        sqlite_error(self->db, "prepare");
        return -1;
    }
    PyObject *seq = PySequence_Fast(params, "params must be a sequence");
    if (!seq) return -1;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        long long v = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(seq, i));
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
        sqlite3_bind_int64(self->st, (int)i + 1, v);
    }
    Py_DECREF(seq);
    self->ncols = (int)strlen(kinds);
    if (self->ncols != sqlite3_column_count(self->st)) {
        PyErr_SetString(PyExc_ValueError, "one kind per selected column");
        return -1;
    }
    self->kinds = PyMem_Malloc((size_t)self->ncols + 1);
    if (!self->kinds) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(self->kinds, kinds, (size_t)self->ncols + 1);
    if (scale_spec(self, scales) < 0) return -1;
    self->buf.slack = 2 + (size_t)self->ncols * 12;
    self->batch = batch > 0 ? batch : 1000;
    return 0;
}

/* Encodes up to `batch` rows; (records, rows) or StopIteration at the end. */
static PyObject *Records_next(Records *self) {
    if (self->done || !self->st) return NULL;
    Buf *b = &self->buf;
    b->len = 0;
    int rows = 0;
    int rc = SQLITE_ROW;
    Py_BEGIN_ALLOW_THREADS
    while (rows < self->batch) {
        rc = sqlite3_step(self->st);
        if (rc != SQLITE_ROW) break;
        size_t start = b->len;
        /* fixed-size parts: count, lengths and 8-byte values */
        if (buf_reserve(b, b->slack) < 0) {
            rc = -1;
            break;
        }
        put16(b, (uint16_t)self->ncols);
        int ok = 1;
        for (int c = 0; c < self->ncols && ok == 1; c++)
            ok = put_value(b, self->st, c, self->kinds[c], self->scales[c]);
        if (ok != 1) {
            rc = ok == 0 ? -2 : -1;
            b->len = start;
            break;
        }
        self->total += XXH3_64bits(b->data + start, b->len - start);
        rows++;
    }
    Py_END_ALLOW_THREADS
    if (rc == -1) {
        Records_close(self);
        return PyErr_NoMemory();
    }
    if (rc == -2) {
        PyErr_Format(skylift_Unusual, "row %lld: a value outside the plain form", self->rows + rows);
        Records_close(self);
        return NULL;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite_error(self->db, "read");
        Records_close(self);
        return NULL;
    }
    if (rc == SQLITE_DONE) {
        self->done = 1;
        Records_close(self);
        if (rows == 0) return NULL;
    }
    self->rows += rows;
    PyObject *data = PyBytes_FromStringAndSize(b->data, (Py_ssize_t)b->len);
    if (!data) return NULL;
    return Py_BuildValue("(Ni)", data, rows);
}

static PyObject *Records_digest(Records *self, PyObject *unused) {
    return PyLong_FromUnsignedLongLong(self->total);
}

static PyMethodDef Records_methods[] = {
    {"digest", (PyCFunction)Records_digest, METH_NOARGS,
     "The records' digest: the sum of each one's xxh3, mod 2**64."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RecordsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "skylift.db._fastcopy.Records",
    .tp_basicsize = sizeof(Records),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Records(uri, sql, params, kinds, batch=1000): binary COPY records of "
              "a SELECT, in batches of (bytes, rows).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Records_init,
    .tp_dealloc = (destructor)Records_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)Records_next,
    .tp_methods = Records_methods,
};

/* ---- CopyDigest: the records of a binary COPY OUT, digested ---------------------------- */

typedef int (*GetCopyData)(void *conn, char **buffer, int async);
typedef void (*FreeMem)(void *ptr);

typedef struct {
    PyObject_HEAD
    int lines; /* CSV rows: the sum of the digests of their newline-separated pieces */
    int first;
    uint64_t total;
} CopyDigest;

static int CopyDigest_init(CopyDigest *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"lines", NULL};
    int lines = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p", names, &lines)) return -1;
    self->lines = lines;
    self->first = !lines; /* a binary COPY starts with its header */
    self->total = 0;
    return 0;
}

static void CopyDigest_dealloc(CopyDigest *self) {
    Py_TYPE(self)->tp_free((PyObject *)self);
}

#define COPY_HEADER 19 /* signature, flags, header extension length (always 0) */

/* read(conn, PQgetCopyData, PQfreemem, max_rows) -> (rows, finished): digests up to max_rows
 * records; `finished` once libpq reports the end of the COPY (or an error, which the caller
 * then reads from the command's result). */
static PyObject *CopyDigest_read(CopyDigest *self, PyObject *args) {
    unsigned long long conn, get_ptr, free_ptr;
    int max_rows;
    if (!PyArg_ParseTuple(args, "KKKi", &conn, &get_ptr, &free_ptr, &max_rows)) return NULL;
    GetCopyData get = (GetCopyData)(uintptr_t)get_ptr;
    FreeMem release = (FreeMem)(uintptr_t)free_ptr;
    int rows = 0, finished = 0, bad = 0;
    Py_BEGIN_ALLOW_THREADS
    while (rows < max_rows) {
        char *data = NULL;
        int n = get((void *)(uintptr_t)conn, &data, 0);
        if (n < 0) {
            finished = 1;
            break;
        }
        const char *rec = data;
        if (self->lines) {
            /* one CSV row per message, ending in a newline (values.digest_lines) */
            if (n < 1 || data[n - 1] != '\n') bad = 1;
            const char *piece = data, *end = data + n - 1;
            while (!bad) {
                const char *nl = memchr(piece, '\n', (size_t)(end - piece));
                const char *stop = nl ? nl : end;
                self->total += XXH3_64bits(piece, (size_t)(stop - piece));
                if (!nl) break;
                piece = nl + 1;
            }
            if (!bad) rows++;
            release(data);
            if (bad) break;
            continue;
        }
        if (self->first) {
            self->first = 0;
            if (n < COPY_HEADER || memcmp(data, "PGCOPY\n\377\r\n\0", 11) != 0) bad = 1;
            rec += COPY_HEADER;
            n -= COPY_HEADER;
        }
        if (!bad && n > 0 && !(n == 2 && (unsigned char)rec[0] == 0xFF && (unsigned char)rec[1] == 0xFF)) {
            self->total += XXH3_64bits(rec, (size_t)n);
            rows++;
        }
        release(data);
        if (bad) break;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "not a binary COPY stream");
        return NULL;
    }
    return Py_BuildValue("(iO)", rows, finished ? Py_True : Py_False);
}

static PyObject *CopyDigest_digest(CopyDigest *self, PyObject *unused) {
    return PyLong_FromUnsignedLongLong(self->total);
}

static PyMethodDef CopyDigest_methods[] = {
    {"read", (PyCFunction)CopyDigest_read, METH_VARARGS,
     "read(conn, PQgetCopyData, PQfreemem, max_rows) -> (rows, finished)"},
    {"digest", (PyCFunction)CopyDigest_digest, METH_NOARGS,
     "The records' digest, as Records.digest() computes it for the rows sent."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CopyDigestType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "skylift.db._fastcopy.CopyDigest",
    .tp_basicsize = sizeof(CopyDigest),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "CopyDigest(lines=False): digests the records of a binary COPY OUT "
              "(or, with lines, the rows of a CSV one) read from libpq.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)CopyDigest_init,
    .tp_dealloc = (destructor)CopyDigest_dealloc,
    .tp_methods = CopyDigest_methods,
};

static PyMethodDef functions[] = {
    {"jsonb", (PyCFunction)jsonb_py, METH_O,
     "jsonb(text) -> bytes | None: a JSON document as jsonb prints it (None: not taken)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "skylift.db._fastcopy",
    "SQLite and MySQL rows to PostgreSQL binary COPY records (optional accelerator).", -1,
    functions,
};

PyMODINIT_FUNC PyInit__fastcopy(void) {
    if (PyType_Ready(&RecordsType) < 0 || PyType_Ready(&CopyDigestType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    skylift_Unusual = PyErr_NewException("skylift.db._fastcopy.Unusual", NULL, NULL);
    Py_INCREF(&RecordsType);
    Py_INCREF(&CopyDigestType);
    if (mysqlrows_ready(m) < 0 ||
        PyModule_AddObject(m, "Records", (PyObject *)&RecordsType) < 0 ||
        PyModule_AddObject(m, "CopyDigest", (PyObject *)&CopyDigestType) < 0 ||
        PyModule_AddObject(m, "Unusual", skylift_Unusual) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
