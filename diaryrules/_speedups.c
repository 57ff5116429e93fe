/* diaryrules._speedups — the C part of three stages: decide's walk of its table (evaluate), the
 * matched-set walk (compile) and the making of slot objects (slots); each below its own header.
 *
 * The same steps as the pure-Python code in evaluate.decide, which stays the reference and is
 * used when this module is not built (no C compiler at install) or DIARYRULES_PURE_PYTHON is set;
 * tests/test_decide_table.py compares the two. In CPython each step of the walk costs about
 * 300 ns of interpreter work; here a step is a dict lookup, a set membership or a bisection.
 *
 * Rows, as evaluate._make_walk_table makes them:
 *   inner: (name, atom_of, words, how, data, kid0, kid1, ...)  words: a tuple indexed by atom;
 *          the child of atom a is item 5 + a (inline: one object fewer to fetch per step)
 *   leaf:  (None, decision, decides, ambiguous, ready, asks)
 * `how` says what atom_of computes, so that it is done here without calling it:
 *   0 atom_of(value)            any other test
 *   1 data[value]               enum: data is the label -> atom dict
 *   2 data in value             a set's element: 1 if present
 *   3 bool(value)
 *   4 bisect_right(data, value)             data: a tuple of bounds
 *   5 bisect_right(data, value.toordinal()) dates
 *
 * walk(row, values, trail) -> leaf row
 *   values: the request's attribute -> typed value; trail: a list, to which each non-empty
 *   word of an edge taken is appended.
 * answer(row, values, trail, decision_type, ignored) -> Decision, or the leaf row
 *   the walk, then at the leaf what evaluate.decide does when the table holds the answer for the
 *   request's reason and no site is asked for: append the leaf's "decides" words, copy the
 *   answer's fields, with who, where, how long and which motif from the leaf's booking table
 *   when a practitioner is asked for and the outcome books (evaluate._asked), set its trail,
 *   and make the Decision without its __init__ (frozen). Otherwise the leaf row, for decide
 *   to finish in Python.
 * Anything not shaped so raises TypeError, IndexError or KeyError: never a crash.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *str_toordinal, *str_reason, *str_practitioner, *str_site, *str_none, *str_trail,
    *str_dict;

static int
bisect(PyObject *bounds, PyObject *value, Py_ssize_t *atom)
{
    if (!PyTuple_Check(bounds)) {
        PyErr_SetString(PyExc_TypeError, "walk(): bounds must be a tuple");
        return -1;
    }
    Py_ssize_t lo = 0, hi = PyTuple_GET_SIZE(bounds);
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        int lt = PyObject_RichCompareBool(value, PyTuple_GET_ITEM(bounds, mid), Py_LT);
        if (lt < 0) {
            return -1;
        }
        if (lt) {
            hi = mid;
        }
        else {
            lo = mid + 1;
        }
    }
    *atom = lo;
    return 0;
}

/* the atom of `value` at an inner row; -1 with an exception set on error */
static Py_ssize_t
atom_at(PyObject *row, PyObject *value)
{
    PyObject *how = PyTuple_GET_ITEM(row, 3), *data = PyTuple_GET_ITEM(row, 4);
    long code = PyLong_Check(how) ? PyLong_AsLong(how) : -1;
    Py_ssize_t a = -1;
    PyObject *r;
    int b;
    switch (code) {
    case 1:
        if (!PyDict_Check(data)) {
            break;
        }
        r = PyDict_GetItemWithError(data, value); /* borrowed */
        if (r == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, value);
            }
            return -1;
        }
        return PyNumber_AsSsize_t(r, PyExc_IndexError);
    case 2:
        b = PySequence_Contains(value, data);
        return b < 0 ? -1 : b;
    case 3:
        b = PyObject_IsTrue(value);
        return b < 0 ? -1 : b;
    case 4:
        return bisect(data, value, &a) < 0 ? -1 : a;
    case 5:
        r = PyObject_CallMethodNoArgs(value, str_toordinal);
        if (r == NULL) {
            return -1;
        }
        b = bisect(data, r, &a);
        Py_DECREF(r);
        return b < 0 ? -1 : a;
    case 0:
        r = PyObject_CallOneArg(PyTuple_GET_ITEM(row, 1), value);
        if (r == NULL) {
            return -1;
        }
        a = PyNumber_AsSsize_t(r, PyExc_IndexError);
        Py_DECREF(r);
        return a;
    }
    PyErr_SetString(PyExc_TypeError, "walk(): a row's test is not one walk() knows");
    return -1;
}

/* the leaf row for `values` from `row` (borrowed: rows are tuples the caller's root holds) */
static PyObject *
walk_to_leaf(PyObject *row, PyObject *values, PyObject *trail)
{
    for (;;) {
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) < 1) {
            PyErr_SetString(PyExc_TypeError, "walk(): a row must be a non-empty tuple");
            return NULL;
        }
        PyObject *name = PyTuple_GET_ITEM(row, 0);
        if (name == Py_None) {
            return row;
        }
        Py_ssize_t size = PyTuple_GET_SIZE(row);
        PyObject *words = PyTuple_GET_ITEM(row, 2);
        if (size < 6 || !PyTuple_Check(words)) {
            PyErr_SetString(PyExc_TypeError, "walk(): an inner row has its words in a tuple and children");
            return NULL;
        }
        PyObject *value;
        if (PyDict_CheckExact(values)) {
            value = PyDict_GetItemWithError(values, name);
            if (value == NULL) {
                if (!PyErr_Occurred()) {
                    PyErr_SetObject(PyExc_KeyError, name);
                }
                return NULL;
            }
            Py_INCREF(value); /* a test may call Python code: keep the value alive */
        }
        else {
            value = PyObject_GetItem(values, name);
            if (value == NULL) {
                return NULL;
            }
        }
        Py_ssize_t a = atom_at(row, value);
        Py_DECREF(value);
        if (a < 0) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_IndexError, "walk(): atom %zd out of range", a);
            }
            return NULL;
        }
        if (a >= size - 5 || a >= PyTuple_GET_SIZE(words)) {
            PyErr_Format(PyExc_IndexError, "walk(): atom %zd out of range", a);
            return NULL;
        }
        PyObject *word = PyTuple_GET_ITEM(words, a);
        int said = PyUnicode_Check(word) ? PyUnicode_GET_LENGTH(word) > 0 : PyObject_IsTrue(word);
        if (said < 0 || (said && PyList_Append(trail, word) < 0)) {
            return NULL;
        }
        row = PyTuple_GET_ITEM(row, 5 + a);
    }
}

static PyObject *
walk(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "walk() takes 3 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "walk(): trail must be a list");
        return NULL;
    }
    PyObject *leaf = walk_to_leaf(args[0], args[1], args[2]);
    return Py_XNewRef(leaf);
}

/* values.get(key, "none") == "none", as a C int; -1 on error */
static int
is_none_or_missing(PyObject *values, PyObject *key)
{
    PyObject *v = PyDict_GetItemWithError(values, key);
    if (v == NULL) {
        return PyErr_Occurred() ? -1 : 1;
    }
    if (v == str_none) {
        return 1;
    }
    return PyObject_RichCompareBool(v, str_none, Py_EQ);
}

static PyObject *
answer(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError, "answer() takes 5 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *values = args[1], *trail = args[2], *type = args[3], *ignored = args[4];
    if (!PyDict_CheckExact(values) || !PyList_Check(trail) || !PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "answer(): values must be a dict, trail a list, and a type");
        return NULL;
    }
    PyObject *leaf = walk_to_leaf(args[0], values, trail);
    if (leaf == NULL) {
        return NULL;
    }
    if (PyTuple_GET_SIZE(leaf) != 6 || !PyDict_Check(PyTuple_GET_ITEM(leaf, 4))) {
        PyErr_SetString(PyExc_TypeError, "answer(): a leaf row has 6 items, its answers in a dict");
        return NULL;
    }
    PyObject *reason = PyDict_GetItemWithError(values, str_reason);
    if (reason == NULL && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *fields = reason == NULL ? NULL : PyDict_GetItemWithError(PyTuple_GET_ITEM(leaf, 4), reason);
    if (fields == NULL) {
        return PyErr_Occurred() ? NULL : Py_NewRef(leaf);
    }
    if (!PyDict_Check(fields)) {
        PyErr_SetString(PyExc_TypeError, "answer(): a leaf's answer must be a dict");
        return NULL;
    }
    PyObject *asks = PyTuple_GET_ITEM(leaf, 5), *given = NULL, *notes = NULL; /* borrowed */
    if (asks != ignored) {
        int anyone = is_none_or_missing(values, str_practitioner);
        int anywhere = anyone < 0 ? -1 : is_none_or_missing(values, str_site);
        if (anywhere < 0) {
            return NULL;
        }
        if (!anywhere) {
            return Py_NewRef(leaf); /* a site asked for: worked out in Python */
        }
        if (!anyone) {
            /* a practitioner asked for: who, where, how long and which motif from the leaf's
             * table (asks: (table, outcome, None)), when it has them */
            if (!PyTuple_Check(asks) || PyTuple_GET_SIZE(asks) != 3 || PyTuple_GET_ITEM(asks, 2) != Py_None ||
                !PyDict_Check(PyTuple_GET_ITEM(asks, 0))) {
                return Py_NewRef(leaf);
            }
            PyObject *key = PyTuple_Pack(2, reason, PyDict_GetItemWithError(values, str_practitioner));
            if (key == NULL) {
                return NULL;
            }
            PyObject *booked = PyDict_GetItemWithError(PyTuple_GET_ITEM(asks, 0), key);
            Py_DECREF(key);
            if (booked == NULL) {
                return PyErr_Occurred() ? NULL : Py_NewRef(leaf);
            }
            if (!PyTuple_Check(booked) || PyTuple_GET_SIZE(booked) != 2 ||
                !PyDict_Check(PyTuple_GET_ITEM(booked, 0)) || !PyTuple_Check(PyTuple_GET_ITEM(booked, 1))) {
                PyErr_SetString(PyExc_TypeError, "answer(): a booking table holds (fields, notes)");
                return NULL;
            }
            given = PyTuple_GET_ITEM(booked, 0);
            notes = PyTuple_GET_ITEM(booked, 1);
        }
    }
    if (PyList_Append(trail, PyTuple_GET_ITEM(leaf, 2)) < 0) {
        return NULL;
    }
    for (Py_ssize_t i = 0; notes != NULL && i < PyTuple_GET_SIZE(notes); i++) {
        if (PyList_Append(trail, PyTuple_GET_ITEM(notes, i)) < 0) {
            return NULL;
        }
    }
    PyObject *d = PyDict_Copy(fields);
    if (d == NULL) {
        return NULL;
    }
    if (given != NULL && PyDict_Update(d, given) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    PyObject *words = PyList_AsTuple(trail);
    if (words == NULL || PyDict_SetItem(d, str_trail, words) < 0) {
        Py_XDECREF(words);
        Py_DECREF(d);
        return NULL;
    }
    Py_DECREF(words);
    PyTypeObject *tp = (PyTypeObject *)type;
    PyObject *out = tp->tp_alloc(tp, 0);
    /* object.__setattr__(out, "__dict__", d): the instance's dict is the copy */
    if (out == NULL || PyObject_GenericSetAttr(out, str_dict, d) < 0) {
        Py_XDECREF(out);
        Py_DECREF(d);
        return NULL;
    }
    Py_DECREF(d);
    return out;
}


/* ---- stage `compile`: the matched-set walk (compile.Diagram.matched_sets), in C ----------------
 *
 * matched(held, pairs, level, children, true, false, shift, bits, store, made)
 *   -> node: the same recursion as `go` in Diagram.matched_sets, which stays the reference and the
 *   fallback. It makes its nodes as Diagram.leaf and Diagram.mk do, in the same order, into the
 *   diagram's own lists and tables — store: (value, unique, leaf table, bottom level) — so the
 *   diagram is the same node for node. pairs: a sorted tuple of ints (node << shift | rule);
 *   bits[i] == 1 << i. Its memo and its table of leaves by matched set are its own (they hash
 *   matched sets with mask_hash, not Python's hash), made and dropped in the call.
 */
typedef struct {
    PyObject *level, *children, *bits, *value, *unique, *all_leaves, *bottom, *memo, *leaves, *made;
    long long true_, false_, shift, low;
} Go;

/* A matched set's hash for the walk's own tables. Python hashes an int as its value mod 2**61 - 1,
 * under which rules i and i + 61 weigh the same: on 5,000 rules the 382,645 distinct matched sets
 * had 142,919 hashes, and each lookup compared ~4.5 sets of up to 5,000 bits in full. This mixes
 * every 30-bit digit instead. It reads the int's digits, laid out so up to 3.11; later versions
 * get Python's hash (correct, slower). */
static Py_hash_t
mask_hash(PyObject *v)
{
#if PY_VERSION_HEX < 0x030C0000
    if (PyLong_CheckExact(v)) {
        Py_ssize_t n = Py_SIZE(v) < 0 ? -Py_SIZE(v) : Py_SIZE(v);
        const digit *d = ((PyLongObject *)v)->ob_digit;
        unsigned long long h = 0x9E3779B97F4A7C15ULL ^ (unsigned long long)Py_SIZE(v);
        for (Py_ssize_t i = 0; i < n; i++) {
            h = (h ^ d[i]) * 0xFF51AFD7ED558CCDULL;
            h ^= h >> 29;
        }
        h ^= h >> 32;
        Py_hash_t r = (Py_hash_t)(h >> 1);
        return r == -1 ? -2 : r;
    }
#endif
    return PyObject_Hash(v);
}

/* Dict lookups and stores that hash their key once: the keys below hold matched sets, masks of
 * one bit per rule whose hashing was most of the walk on 5,000 rules. (The known-hash calls are
 * CPython's own, private since 3.13: there the plain calls serve.) */
#if PY_VERSION_HEX < 0x030D0000
#define GET_KNOWN(d, k, h) _PyDict_GetItem_KnownHash((d), (k), (h))
#define SET_KNOWN(d, k, v, h) _PyDict_SetItem_KnownHash((d), (k), (v), (h))
#else
#define GET_KNOWN(d, k, h) ((void)(h), PyDict_GetItemWithError((d), (k)))
#define SET_KNOWN(d, k, v, h) ((void)(h), PyDict_SetItem((d), (k), (v)))
#endif

/* Diagram.leaf: the node of a leaf value, made once per (type, value) */
static PyObject *
make_leaf(Go *g, PyObject *value)
{
    PyObject *key = PyTuple_Pack(2, (PyObject *)Py_TYPE(value), value), *nid = NULL;
    if (key == NULL) {
        return NULL;
    }
    Py_hash_t hash = PyObject_Hash(key);
    if (hash == -1) {
        Py_DECREF(key);
        return NULL;
    }
    nid = GET_KNOWN(g->all_leaves, key, hash);
    if (nid != NULL || PyErr_Occurred()) {
        Py_DECREF(key);
        return Py_XNewRef(nid);
    }
    PyObject *none = PyTuple_New(0);
    nid = none == NULL ? NULL : PyLong_FromSsize_t(PyList_GET_SIZE(g->level));
    if (nid == NULL || PyList_Append(g->level, g->bottom) < 0 || PyList_Append(g->children, none) < 0 ||
        PyList_Append(g->value, value) < 0 || SET_KNOWN(g->all_leaves, key, nid, hash) < 0) {
        Py_CLEAR(nid);
    }
    Py_XDECREF(none);
    Py_DECREF(key);
    return nid;
}

/* Diagram.mk: the node testing `top` with these children, hash-consed per level; the child
 * itself when all are the same */
static PyObject *
make_node(Go *g, PyObject *top, PyObject *kids)
{
    PyObject *first = PyTuple_GET_ITEM(kids, 0);
    Py_ssize_t size = PyTuple_GET_SIZE(kids), same = 1;
    for (Py_ssize_t i = 1; i < size && same; i++) {
        int eq = PyObject_RichCompareBool(PyTuple_GET_ITEM(kids, i), first, Py_EQ);
        if (eq < 0) {
            return NULL;
        }
        same = eq;
    }
    if (same) {
        return Py_NewRef(first);
    }
    Py_ssize_t at = PyLong_AsSsize_t(top);
    if (at == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (at < 0 || at >= PyList_GET_SIZE(g->unique) || !PyDict_Check(PyList_GET_ITEM(g->unique, at))) {
        PyErr_SetString(PyExc_IndexError, "matched(): no node table for this level");
        return NULL;
    }
    PyObject *unique = PyList_GET_ITEM(g->unique, at);
    Py_hash_t hash = PyObject_Hash(kids);
    if (hash == -1) {
        return NULL;
    }
    PyObject *nid = GET_KNOWN(unique, kids, hash);
    if (nid != NULL || PyErr_Occurred()) {
        return Py_XNewRef(nid);
    }
    nid = PyLong_FromSsize_t(PyList_GET_SIZE(g->level));
    if (nid == NULL || PyList_Append(g->level, top) < 0 || PyList_Append(g->children, kids) < 0 ||
        PyList_Append(g->value, Py_None) < 0 || SET_KNOWN(unique, kids, nid, hash) < 0) {
        Py_XDECREF(nid);
        return NULL;
    }
    return nid;
}

static long
long_at(PyObject *list, long i)
{
    if (i < 0 || i >= PyList_GET_SIZE(list)) {
        PyErr_SetString(PyExc_IndexError, "matched(): node out of range");
        return -1;
    }
    return PyLong_AsLong(PyList_GET_ITEM(list, i));
}

static PyObject *
held_leaf(Go *g, PyObject *held)
{
    Py_hash_t hash = mask_hash(held);
    if (hash == -1) {
        return NULL;
    }
    PyObject *r = GET_KNOWN(g->leaves, held, hash);
    if (r != NULL) {
        return Py_NewRef(r);
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    r = make_leaf(g, held);
    if (r == NULL) {
        return NULL;
    }
    if (SET_KNOWN(g->leaves, held, r, hash) < 0 || PyList_Append(g->made, r) < 0) {
        Py_DECREF(r);
        return NULL;
    }
    return r;
}

static PyObject *go(Go *g, PyObject *held, PyObject *pairs);

/* the child for one way the split pairs go (cols[j][a] for each j) */
static PyObject *
way_child(Go *g, PyObject *held, PyObject *pairs, Py_ssize_t k, PyObject **cols, const long long *rules,
          const Py_ssize_t *rest, Py_ssize_t nrest, Py_ssize_t a)
{
    PyObject *h = Py_NewRef(held), *col = PyList_New(0), *r = NULL;
    if (col == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < nrest; i++) {
        if (PyList_Append(col, PyTuple_GET_ITEM(pairs, rest[i])) < 0) {
            goto done;
        }
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        long long c = PyLong_AsLongLong(PyTuple_GET_ITEM(cols[j], a));
        if (c == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (c == g->true_) {
            if (rules[j] >= PyList_GET_SIZE(g->bits)) {
                PyErr_SetString(PyExc_IndexError, "matched(): rule out of range");
                goto done;
            }
            PyObject *h2 = PyNumber_Or(h, PyList_GET_ITEM(g->bits, rules[j]));
            if (h2 == NULL) {
                goto done;
            }
            Py_SETREF(h, h2);
        }
        else if (c != g->false_) {
            PyObject *pair = PyLong_FromLongLong((c << g->shift) | rules[j]);
            if (pair == NULL || PyList_Append(col, pair) < 0) {
                Py_XDECREF(pair);
                goto done;
            }
            Py_DECREF(pair);
        }
    }
    if (PyList_GET_SIZE(col) == 0) {
        r = held_leaf(g, h);
    }
    else if (PyList_Sort(col) == 0) { /* a set of pairs: sorted, equal sets give equal keys */
        PyObject *t = PyList_AsTuple(col);
        if (t != NULL) {
            r = go(g, h, t);
            Py_DECREF(t);
        }
    }
done:
    Py_DECREF(h);
    Py_XDECREF(col);
    return r;
}

/* Numbers the atoms by the way the split nodes go there: way[a] == way[b] iff cols[j][a] ==
 * cols[j][b] for every j — what `go` finds with a dict keyed by the tuple of the k children, here
 * refined one node at a time with no tuple made or hashed (30 million items on 5,000 rules).
 * Numbers follow the first atom of each way. scratch: size entries. 0, or -1 with an error set. */
static int
same_ways(PyObject **cols, Py_ssize_t k, Py_ssize_t size, Py_ssize_t *way, Py_ssize_t *scratch)
{
    Py_ssize_t cap = 8, n = 1;
    while (cap < 2 * size) {
        cap <<= 1;
    }
    long long *child = PyMem_Malloc(sizeof(long long) * cap);
    Py_ssize_t *from = PyMem_Malloc(sizeof(Py_ssize_t) * cap * 2), *to = from + cap;
    if (child == NULL || from == NULL) {
        PyMem_Free(child);
        PyMem_Free(from);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t a = 0; a < size; a++) {
        way[a] = 0;
    }
    for (Py_ssize_t j = 0; j < k && n < size; j++) {
        Py_ssize_t m = 0;
        for (Py_ssize_t i = 0; i < cap; i++) {
            to[i] = -1;
        }
        for (Py_ssize_t a = 0; a < size; a++) {
            long long c = PyLong_AsLongLong(PyTuple_GET_ITEM(cols[j], a));
            if (c == -1 && PyErr_Occurred()) {
                PyMem_Free(child);
                PyMem_Free(from);
                return -1;
            }
            /* open addressing on (way so far, child here) */
            unsigned long long h = (unsigned long long)c * 0x9E3779B97F4A7C15ULL ^
                                   (unsigned long long)way[a] * 0xC2B2AE3D27D4EB4FULL;
            Py_ssize_t i = (Py_ssize_t)((h >> 32) & (unsigned long long)(cap - 1));
            while (to[i] != -1 && (child[i] != c || from[i] != way[a])) {
                i = (i + 1) & (cap - 1);
            }
            if (to[i] == -1) {
                child[i] = c;
                from[i] = way[a];
                to[i] = m++;
            }
            scratch[a] = to[i];
        }
        memcpy(way, scratch, sizeof(Py_ssize_t) * size);
        n = m;
    }
    PyMem_Free(child);
    PyMem_Free(from);
    return 0;
}

static PyObject *
go(Go *g, PyObject *held, PyObject *pairs)
{
    PyObject *key = PyTuple_Pack(2, held, pairs);
    if (key == NULL) {
        return NULL;
    }
    Py_hash_t hash = mask_hash(held), ph = hash == -1 ? -1 : PyObject_Hash(pairs);
    if (ph != -1) {
        hash = (Py_hash_t)(((unsigned long long)hash * 0x9E3779B97F4A7C15ULL) ^ (unsigned long long)ph);
        hash = hash == -1 ? -2 : hash;
    }
    PyObject *hit = ph == -1 ? NULL : GET_KNOWN(g->memo, key, hash);
    if (hit != NULL || PyErr_Occurred()) {
        Py_DECREF(key);
        return Py_XNewRef(hit);
    }
    Py_ssize_t np = PyTuple_GET_SIZE(pairs), k = 0, nrest = 0;
    long *levels = PyMem_Malloc(sizeof(long) * (np + 1));
    Py_ssize_t *idx = PyMem_Malloc(sizeof(Py_ssize_t) * (np + 1) * 2);
    PyObject **cols = PyMem_Malloc(sizeof(PyObject *) * (np + 1));
    PyObject *kids = NULL, *r = NULL, *top_obj = NULL, **by_way = NULL;
    Py_ssize_t *way = NULL, size = 0;
    long long *rules = PyMem_Malloc(sizeof(long long) * (np + 1));
    long top = LONG_MAX;
    if (levels == NULL || idx == NULL || cols == NULL || rules == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t *rest = idx + np + 1;
    for (Py_ssize_t i = 0; i < np; i++) {
        long long p = PyLong_AsLongLong(PyTuple_GET_ITEM(pairs, i));
        if (p == -1 && PyErr_Occurred()) {
            goto done;
        }
        levels[i] = long_at(g->level, (Py_ssize_t)(p >> g->shift));
        if (levels[i] == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (levels[i] < top) {
            top = levels[i];
        }
    }
    for (Py_ssize_t i = 0; i < np; i++) {
        long long p = PyLong_AsLongLong(PyTuple_GET_ITEM(pairs, i));
        if (levels[i] == top) {
            Py_ssize_t n = (Py_ssize_t)(p >> g->shift);
            if (n >= PyList_GET_SIZE(g->children)) {
                PyErr_SetString(PyExc_IndexError, "matched(): node out of range");
                goto done;
            }
            cols[k] = PyList_GET_ITEM(g->children, n);
            rules[k] = p & g->low;
            if (!PyTuple_Check(cols[k]) || PyTuple_GET_SIZE(cols[k]) != PyTuple_GET_SIZE(cols[0])) {
                PyErr_SetString(PyExc_ValueError, "matched(): children of one level differ in size");
                goto done;
            }
            k++;
        }
        else {
            rest[nrest++] = i;
        }
    }
    if (k == 0) {
        PyErr_SetString(PyExc_ValueError, "matched(): no pair to split");
        goto done;
    }
    size = PyTuple_GET_SIZE(cols[0]);
    if (size == 0) {
        PyErr_SetString(PyExc_ValueError, "matched(): a node without children");
        goto done;
    }
    kids = PyTuple_New(size);
    way = PyMem_Malloc(sizeof(Py_ssize_t) * size * 2);
    by_way = PyMem_Calloc(size, sizeof(PyObject *));
    if (kids == NULL || way == NULL || by_way == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        goto done;
    }
    if (same_ways(cols, k, size, way, way + size) < 0) {
        goto done;
    }
    /* in atom order, as `go` does: the walk below each way starts where the way is first met */
    for (Py_ssize_t a = 0; a < size; a++) {
        PyObject *child = by_way[way[a]];
        if (child == NULL) {
            child = by_way[way[a]] = way_child(g, held, pairs, k, cols, rules, rest, nrest, a);
            if (child == NULL) {
                goto done;
            }
        }
        PyTuple_SET_ITEM(kids, a, Py_NewRef(child));
    }
    top_obj = PyLong_FromLong(top);
    if (top_obj == NULL) {
        goto done;
    }
    r = make_node(g, top_obj, kids);
    if (r != NULL && (SET_KNOWN(g->memo, key, r, hash) < 0 || PyList_Append(g->made, r) < 0)) {
        Py_CLEAR(r);
    }
done:
    PyMem_Free(levels);
    PyMem_Free(rules);
    PyMem_Free(idx);
    PyMem_Free(cols);
    if (by_way != NULL) {
        for (Py_ssize_t i = 0; i < size; i++) {
            Py_XDECREF(by_way[i]);
        }
        PyMem_Free(by_way);
    }
    PyMem_Free(way);
    Py_XDECREF(kids);
    Py_XDECREF(top_obj);
    Py_DECREF(key);
    return r;
}

static PyObject *
matched(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 10) {
        PyErr_Format(PyExc_TypeError, "matched() takes 10 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *store = args[8];
    if (!PyTuple_Check(store) || PyTuple_GET_SIZE(store) != 4) {
        PyErr_SetString(PyExc_TypeError, "matched(): store is (value, unique, leaf table, bottom)");
        return NULL;
    }
    Go g = {.level = args[2], .children = args[3], .bits = args[7], .value = PyTuple_GET_ITEM(store, 0),
            .unique = PyTuple_GET_ITEM(store, 1), .all_leaves = PyTuple_GET_ITEM(store, 2),
            .bottom = PyTuple_GET_ITEM(store, 3), .made = args[9]};
    if (!PyLong_Check(args[0]) || !PyTuple_Check(args[1]) || !PyList_Check(g.level) ||
        !PyList_Check(g.children) || !PyList_Check(g.bits) || !PyList_Check(g.value) ||
        !PyList_Check(g.unique) || !PyDict_Check(g.all_leaves) || !PyLong_Check(g.bottom) ||
        !PyList_Check(g.made)) {
        PyErr_SetString(PyExc_TypeError, "matched(): held an int; pairs a tuple; level, children, bits, "
                        "made lists; store (value list, unique list, leaf dict, bottom int)");
        return NULL;
    }
    g.true_ = PyLong_AsLongLong(args[4]);
    g.false_ = PyLong_AsLongLong(args[5]);
    g.shift = PyLong_AsLongLong(args[6]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (g.shift < 1 || g.shift > 30) {
        PyErr_SetString(PyExc_ValueError, "matched(): shift out of range");
        return NULL;
    }
    g.low = (1LL << g.shift) - 1;
    PyObject *r = NULL;
    g.memo = PyDict_New();
    g.leaves = PyDict_New();
    if (g.memo != NULL && g.leaves != NULL) {
        r = PyTuple_GET_SIZE(args[1]) == 0 ? held_leaf(&g, args[0]) : go(&g, args[0], args[1]);
    }
    Py_XDECREF(g.memo);
    Py_XDECREF(g.leaves);
    return r;
}


/* ---- stage `slots`: making the Slot objects of a listing (slots._Search._make), in C -----------
 *
 * slots(keys, stride, kinds, moments, durations, slot_type) -> list of slot_type
 *   For each key t * stride + i (sorted), each (practitioner, site, duration index, diary, motif)
 *   of kinds[i] gives one object with the fields practitioner, site, start = moments[t],
 *   end = moments[t + durations[d]], diary, motif, set in that order: what `_make` writes in
 *   Python, which stays the reference and the fallback. moments: any mapping (a dict that fills
 *   itself).
 */
static PyObject *str_practitioner_f, *str_site_f, *str_start, *str_end, *str_diary, *str_motif, *empty_args;

static PyObject *
slots(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_Format(PyExc_TypeError, "slots() takes 6 arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *keys = args[0], *kinds = args[2], *moments = args[3], *durations = args[4], *type = args[5];
    long long stride = PyLong_AsLongLong(args[1]);
    if (stride == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (!PyList_Check(keys) || !PyList_Check(kinds) || !PyList_Check(durations) || !PyType_Check(type) ||
        stride < 1) {
        PyErr_SetString(PyExc_TypeError, "slots(): keys, kinds and durations lists, a stride ≥ 1 and a type");
        return NULL;
    }
    PyTypeObject *tp = (PyTypeObject *)type;
    PyObject *out = PyList_New(0), *start = NULL, *ends = NULL;
    if (out == NULL) {
        return NULL;
    }
    long long base = 0, bound = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keys); i++) {
        long long key = PyLong_AsLongLong(PyList_GET_ITEM(keys, i));
        if (key == -1 && PyErr_Occurred()) {
            goto fail;
        }
        if (key >= bound || start == NULL) { /* sorted: a new start minute */
            long long t = key / stride - (key % stride < 0); /* floor, as Python's // */
            base = t * stride;
            bound = base + stride;
            PyObject *tt = PyLong_FromLongLong(t);
            if (tt == NULL) {
                goto fail;
            }
            Py_XSETREF(start, PyObject_GetItem(moments, tt));
            Py_XSETREF(ends, PyList_New(PyList_GET_SIZE(durations)));
            if (start == NULL || ends == NULL) {
                Py_DECREF(tt);
                goto fail;
            }
            for (Py_ssize_t d = 0; d < PyList_GET_SIZE(durations); d++) {
                PyObject *m = PyNumber_Add(tt, PyList_GET_ITEM(durations, d));
                PyObject *e = m == NULL ? NULL : PyObject_GetItem(moments, m);
                Py_XDECREF(m);
                if (e == NULL) {
                    Py_DECREF(tt);
                    goto fail;
                }
                PyList_SET_ITEM(ends, d, e);
            }
            Py_DECREF(tt);
        }
        long long at = key - base;
        if (at < 0 || at >= PyList_GET_SIZE(kinds) || !PyTuple_Check(PyList_GET_ITEM(kinds, (Py_ssize_t)at))) {
            PyErr_SetString(PyExc_IndexError, "slots(): a key's index has no kinds");
            goto fail;
        }
        PyObject *these = PyList_GET_ITEM(kinds, (Py_ssize_t)at);
        for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(these); j++) {
            PyObject *kind = PyTuple_GET_ITEM(these, j);
            if (!PyTuple_Check(kind) || PyTuple_GET_SIZE(kind) != 5) {
                PyErr_SetString(PyExc_TypeError, "slots(): a kind is (practitioner, site, duration, diary, motif)");
                goto fail;
            }
            Py_ssize_t d = PyNumber_AsSsize_t(PyTuple_GET_ITEM(kind, 2), PyExc_IndexError);
            if (d == -1 && PyErr_Occurred()) {
                goto fail;
            }
            if (d < 0 || d >= PyList_GET_SIZE(ends)) {
                PyErr_SetString(PyExc_IndexError, "slots(): duration index out of range");
                goto fail;
            }
            /* object.__new__, then object.__setattr__ for each field, as the frozen dataclass's
             * __init__ does: the fields go to the instance's inline values, no dict of its own */
            PyObject *slot = PyBaseObject_Type.tp_new(tp, empty_args, NULL);
            if (slot == NULL || PyObject_GenericSetAttr(slot, str_practitioner_f, PyTuple_GET_ITEM(kind, 0)) < 0 ||
                PyObject_GenericSetAttr(slot, str_site_f, PyTuple_GET_ITEM(kind, 1)) < 0 ||
                PyObject_GenericSetAttr(slot, str_start, start) < 0 ||
                PyObject_GenericSetAttr(slot, str_end, PyList_GET_ITEM(ends, d)) < 0 ||
                PyObject_GenericSetAttr(slot, str_diary, PyTuple_GET_ITEM(kind, 3)) < 0 ||
                PyObject_GenericSetAttr(slot, str_motif, PyTuple_GET_ITEM(kind, 4)) < 0 ||
                PyList_Append(out, slot) < 0) {
                Py_XDECREF(slot);
                goto fail;
            }
            Py_DECREF(slot);
        }
    }
    Py_XDECREF(start);
    Py_XDECREF(ends);
    return out;
fail:
    Py_XDECREF(start);
    Py_XDECREF(ends);
    Py_DECREF(out);
    return NULL;
}

static PyMethodDef methods[] = {
    {"walk", (PyCFunction)(void (*)(void))walk, METH_FASTCALL,
     "walk(row, values, trail) -> leaf row: decide's walk of its table (see evaluate.decide)."},
    {"answer", (PyCFunction)(void (*)(void))answer, METH_FASTCALL,
     "answer(row, values, trail, decision_type, ignored) -> Decision, or the leaf row when the "
     "table does not hold the answer (see evaluate.decide)."},
    {"matched", (PyCFunction)(void (*)(void))matched, METH_FASTCALL,
     "matched(held, pairs, level, children, true, false, shift, bits, store, made) -> "
     "node: the matched-set walk of compile.Diagram.matched_sets."},
    {"slots", (PyCFunction)(void (*)(void))slots, METH_FASTCALL,
     "slots(keys, stride, kinds, moments, durations, slot_type) -> the Slot objects of slots._Search._make."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "diaryrules._speedups",
    "decide's walk of its table, in C (stage: evaluate); evaluate.decide holds the same steps in Python.",
    0, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (!(str_toordinal = PyUnicode_InternFromString("toordinal")) ||
        !(str_reason = PyUnicode_InternFromString("reason")) ||
        !(str_practitioner = PyUnicode_InternFromString("practitioner")) ||
        !(str_site = PyUnicode_InternFromString("site")) ||
        !(str_none = PyUnicode_InternFromString("none")) ||
        !(str_trail = PyUnicode_InternFromString("trail")) ||
        !(str_dict = PyUnicode_InternFromString("__dict__")) ||
        !(str_practitioner_f = PyUnicode_InternFromString("practitioner")) ||
        !(str_site_f = PyUnicode_InternFromString("site")) ||
        !(str_start = PyUnicode_InternFromString("start")) || !(str_end = PyUnicode_InternFromString("end")) ||
        !(str_diary = PyUnicode_InternFromString("diary")) || !(str_motif = PyUnicode_InternFromString("motif")) ||
        !(empty_args = PyTuple_New(0))) {
        return NULL;
    }
    return PyModule_Create(&module);
}
