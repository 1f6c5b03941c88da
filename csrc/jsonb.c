/* A JSON document as PostgreSQL's jsonb prints it (jsonb_out), for binary COPY records whose
 * digest must equal that of the record PostgreSQL sends back. The C counterpart of
 * src/skylift/db/pgtext.py `jsonb`; tests compare both on random documents, and that one with
 * PostgreSQL itself.
 *
 * The form: object keys ordered by length in bytes, then by their bytes, the last of duplicate
 * keys kept; ", " and ": " between items; strings with PostgreSQL's escapes (\" \\ \b \f \n \r
 * \t, other control characters as \u00xx, everything else as UTF-8); numbers as numeric prints
 * them (no exponent, the fraction digits the text implies, no negative zero).
 *
 * Anything else (not JSON, \u0000 or a lone surrogate, which jsonb refuses, nesting deeper than
 * MAX_DEPTH, exponents beyond MAX_EXPONENT) answers JSON_UNUSUAL: the Python path decides. */
#include "records.h"

#define MAX_DEPTH 200
#define MAX_EXPONENT 1000

typedef struct {
    const unsigned char *s, *end;
    int depth;
} Parser;

typedef struct {
    size_t key, key_len;     /* the unescaped key, in the object's scratch buffer */
    size_t value, value_len; /* the printed value, in the same buffer */
    size_t order;            /* position in the document: the last duplicate wins */
} Member;

static int value(Parser *p, Buf *out);

static inline int put(Buf *b, const void *data, size_t n) {
    if (buf_reserve(b, n) < 0) return JSON_NOMEM;
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return JSON_OK;
}

static void skip_space(Parser *p) {
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
        p->s++;
}

static int hex4(const unsigned char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return 0;
    }
    *out = v;
    return 1;
}

static int put_utf8(Buf *b, unsigned cp) {
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (unsigned char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = 0xC0 | cp >> 6; u[1] = 0x80 | (cp & 0x3F); n = 2; }
    else if (cp < 0x10000) {
        u[0] = 0xE0 | cp >> 12; u[1] = 0x80 | (cp >> 6 & 0x3F); u[2] = 0x80 | (cp & 0x3F); n = 3;
    } else {
        u[0] = 0xF0 | cp >> 18; u[1] = 0x80 | (cp >> 12 & 0x3F); u[2] = 0x80 | (cp >> 6 & 0x3F);
        u[3] = 0x80 | (cp & 0x3F); n = 4;
    }
    return put(b, u, n);
}

/* A string's content, unescaped, appended to `raw` (p->s is past the opening quote). */
static int unescape(Parser *p, Buf *raw) {
    while (p->s < p->end) {
        const unsigned char *run = p->s;
        while (p->s < p->end && *p->s != '"' && *p->s != '\\' && *p->s >= 0x20) p->s++;
        if (put(raw, run, (size_t)(p->s - run)) < 0) return JSON_NOMEM;
        if (p->s >= p->end || *p->s < 0x20) return JSON_UNUSUAL;
        if (*p->s == '"') {
            p->s++;
            return JSON_OK;
        }
        if (p->end - p->s < 2) return JSON_UNUSUAL;
        unsigned char e = p->s[1];
        p->s += 2;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            if (put(raw, &decoded[simple - "\"\\/bfnrt"], 1) < 0) return JSON_NOMEM;
            continue;
        }
        unsigned cp, lo;
        if (e != 'u' || p->end - p->s < 4 || !hex4(p->s, &cp)) return JSON_UNUSUAL;
        p->s += 4;
        if (cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return JSON_UNUSUAL;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (p->end - p->s < 6 || p->s[0] != '\\' || p->s[1] != 'u' || !hex4(p->s + 2, &lo) ||
                lo < 0xDC00 || lo > 0xDFFF)
                return JSON_UNUSUAL;
            p->s += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (put_utf8(raw, cp) < 0) return JSON_NOMEM;
    }
    return JSON_UNUSUAL;
}

/* Unescaped text printed as a jsonb string (escape_json). */
static int print_string(Buf *out, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    if (buf_reserve(out, n + 2) < 0) return JSON_NOMEM;
    out->data[out->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc = c == '"' ? '"' : c == '\\' ? '\\' : c == '\b' ? 'b' : c == '\f' ? 'f'
                 : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0;
        if (esc) {
            char two[2] = {'\\', esc};
            if (put(out, two, 2) < 0) return JSON_NOMEM;
        } else if (c < 0x20) {
            char six[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            if (put(out, six, 6) < 0) return JSON_NOMEM;
        } else if (put(out, &s[i], 1) < 0) {
            return JSON_NOMEM;
        }
    }
    return put(out, "\"", 1);
}

static int string(Parser *p, Buf *out) {
    Buf raw = {0};
    p->s++;
    int r = unescape(p, &raw);
    if (r == JSON_OK) r = print_string(out, raw.data ? raw.data : "", raw.len);
    free(raw.data);
    return r;
}

/* A JSON number printed as numeric_out prints numeric_in's value. */
static int number(Parser *p, Buf *out) {
    const unsigned char *s = p->s, *end = p->end;
    int negative = s < end && *s == '-';
    s += negative;
    const unsigned char *whole = s;
    if (s < end && *s == '0') s++;
    else if (s < end && *s >= '1' && *s <= '9') while (s < end && *s >= '0' && *s <= '9') s++;
    else return JSON_UNUSUAL;
    size_t whole_len = (size_t)(s - whole), frac_len = 0;
    const unsigned char *frac = s;
    if (s < end && *s == '.') {
        frac = ++s;
        while (s < end && *s >= '0' && *s <= '9') s++;
        frac_len = (size_t)(s - frac);
        if (!frac_len) return JSON_UNUSUAL;
    }
    long exponent = 0;
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
        int sign = 1;
        if (s < end && (*s == '+' || *s == '-')) sign = *s++ == '-' ? -1 : 1;
        if (s >= end || *s < '0' || *s > '9') return JSON_UNUSUAL;
        while (s < end && *s >= '0' && *s <= '9') {
            exponent = exponent * 10 + (*s++ - '0');
            if (exponent > MAX_EXPONENT) return JSON_UNUSUAL;
        }
        exponent *= sign;
    }
    p->s = s;
    /* digits D = whole then fraction; the point sits `point` digits into D */
    long ndigits = (long)(whole_len + frac_len), point = (long)whole_len + exponent;
    long scale = (long)frac_len - exponent;
    if (scale < 0) scale = 0;
#define DIGIT(i) ((i) < (long)whole_len ? whole[i] : frac[(i) - (long)whole_len])
    int zero = 1;
    for (long i = 0; i < ndigits; i++) zero &= DIGIT(i) == '0';
    if (buf_reserve(out, (size_t)(ndigits + labs(exponent) + 4)) < 0) return JSON_NOMEM;
    if (negative && !zero) out->data[out->len++] = '-';
#define DIG(i) ((i) >= 0 && (i) < ndigits ? DIGIT(i) : '0')
    long first = 0; /* the integer part, without leading zeros */
    while (first < point - 1 && DIG(first) == '0') first++;
    if (point <= 0) out->data[out->len++] = '0';
    for (long i = first; i < point; i++) out->data[out->len++] = (char)DIG(i);
    if (scale > 0) {
        out->data[out->len++] = '.';
        for (long i = point; i < point + scale; i++) out->data[out->len++] = (char)DIG(i);
    }
#undef DIG
#undef DIGIT
    return JSON_OK;
}

static _Thread_local const char *sort_keys; /* qsort has no context argument in C99 */

/* Keys by length, then bytes; equal keys in document order (the last one is kept). */
static int compare_members(const void *a, const void *b) {
    const Member *x = a, *y = b;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    int c = memcmp(sort_keys + x->key, sort_keys + y->key, x->key_len);
    if (c) return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int object(Parser *p, Buf *out) {
    Buf scratch = {0};
    Member *members = NULL;
    size_t count = 0, cap = 0;
    int r = JSON_OK;
    p->s++;
    skip_space(p);
    if (p->s < p->end && *p->s == '}') {
        p->s++;
        return put(out, "{}", 2);
    }
    while (r == JSON_OK) {
        skip_space(p);
        if (p->s >= p->end || *p->s != '"') { r = JSON_UNUSUAL; break; }
        if (count == cap) {
            cap = cap ? cap * 2 : 8;
            Member *grown = realloc(members, cap * sizeof *members);
            if (!grown) { r = JSON_NOMEM; break; }
            members = grown;
        }
        Member *m = &members[count];
        m->order = count;
        m->key = scratch.len;
        p->s++;
        if ((r = unescape(p, &scratch)) != JSON_OK) break;
        m->key_len = scratch.len - m->key;
        skip_space(p);
        if (p->s >= p->end || *p->s != ':') { r = JSON_UNUSUAL; break; }
        p->s++;
        m->value = scratch.len;
        if ((r = value(p, &scratch)) != JSON_OK) break;
        m->value_len = scratch.len - m->value;
        count++;
        skip_space(p);
        if (p->s < p->end && *p->s == ',') { p->s++; continue; }
        if (p->s < p->end && *p->s == '}') { p->s++; break; }
        r = JSON_UNUSUAL;
    }
    if (r == JSON_OK) {
        sort_keys = scratch.data;
        qsort(members, count, sizeof *members, compare_members);
        r = put(out, "{", 1);
        int written = 0;
        for (size_t i = 0; i < count && r == JSON_OK; i++) {
            Member *m = &members[i];
            if (i + 1 < count && m->key_len == members[i + 1].key_len &&
                !memcmp(scratch.data + m->key, scratch.data + members[i + 1].key, m->key_len))
                continue; /* a later duplicate follows: it wins */
            if (written++ && (r = put(out, ", ", 2)) != JSON_OK) break;
            if ((r = print_string(out, scratch.data + m->key, m->key_len)) != JSON_OK) break;
            if ((r = put(out, ": ", 2)) != JSON_OK) break;
            r = put(out, scratch.data + m->value, m->value_len);
        }
        if (r == JSON_OK) r = put(out, "}", 1);
    }
    free(members);
    free(scratch.data);
    return r;
}

static int array(Parser *p, Buf *out) {
    p->s++;
    skip_space(p);
    if (p->s < p->end && *p->s == ']') {
        p->s++;
        return put(out, "[]", 2);
    }
    int r = put(out, "[", 1);
    while (r == JSON_OK) {
        if ((r = value(p, out)) != JSON_OK) break;
        skip_space(p);
        if (p->s < p->end && *p->s == ',') {
            p->s++;
            r = put(out, ", ", 2);
            continue;
        }
        if (p->s < p->end && *p->s == ']') {
            p->s++;
            return put(out, "]", 1);
        }
        r = JSON_UNUSUAL;
    }
    return r;
}

static int literal(Parser *p, Buf *out, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n)) return JSON_UNUSUAL;
    p->s += n;
    return put(out, word, n);
}

static int value(Parser *p, Buf *out) {
    skip_space(p);
    if (p->s >= p->end) return JSON_UNUSUAL;
    if (++p->depth > MAX_DEPTH) return JSON_UNUSUAL;
    int r;
    switch (*p->s) {
    case '{': r = object(p, out); break;
    case '[': r = array(p, out); break;
    case '"': r = string(p, out); break;
    case 't': r = literal(p, out, "true"); break;
    case 'f': r = literal(p, out, "false"); break;
    case 'n': r = literal(p, out, "null"); break;
    default: r = number(p, out);
    }
    p->depth--;
    return r;
}

int jsonb_print(const unsigned char *s, size_t n, Buf *out) {
    if (!valid_text(s, (int)n) || n > INT32_MAX) return JSON_UNUSUAL;
    Parser p = {s, s + n, 0};
    size_t start = out->len;
    int r = value(&p, out);
    skip_space(&p);
    if (r == JSON_OK && p.s != p.end) r = JSON_UNUSUAL;
    if (r != JSON_OK) out->len = start;
    return r;
}

/* jsonb(text: bytes) -> bytes | None: the printed form, None when the Python path decides. */
PyObject *jsonb_py(PyObject *module, PyObject *arg) {
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    Buf out = {0};
    int r = jsonb_print(view.buf, (size_t)view.len, &out);
    PyBuffer_Release(&view);
    PyObject *result = r == JSON_OK ? PyBytes_FromStringAndSize(out.data ? out.data : "", (Py_ssize_t)out.len)
                     : r == JSON_NOMEM ? PyErr_NoMemory() : Py_NewRef(Py_None);
    free(out.data);
    return result;
}
