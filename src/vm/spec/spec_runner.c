/* cps-wasm-spec: runs WebAssembly spec-test scripts converted by wabt's wast2json against the
 * CPS VM — modules, registrations, actions and every assertion kind of the core test suite —
 * and prints one line per file and a last line "N passed, N failed".
 *
 *   cps-wasm-spec [-v|-vv] FILE.json...
 *   cps-wasm-spec --dump FILE.wasm     (listing of the translated code, for VM developers)
 *
 * Text-format modules (assert_malformed of `module quote`) are skipped: wast2json does not
 * convert them and the VM reads only binaries. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm.h"
#include "vm/vm_internal.h"

static int verbose;

/* ---- the spectest host module -------------------------------------------------------------- */

static int host_print(cps_vm_ctx *ctx, void *user, cps_vm_slot *args)
{
    (void)ctx, (void)user, (void)args;
    return 0;
}

static void sec(cps_buf *out, uint8_t id, cps_buf *body)
{
    cps_write_u8(out, id);
    cps_write_varuint32(out, (uint32_t)body->size);
    cps_write_bytes(out, body->data, body->size);
    cps_buf_reset(body);
}

static void name(cps_buf *b, const char *s)
{
    cps_write_varuint32(b, (uint32_t)strlen(s));
    cps_write_bytes(b, s, strlen(s));
}

/* Builds the binary of the "spectest" module: it imports the print functions from the host and
 * defines the table, memory and globals the test suite expects. */
static void build_spectest(cps_buf *out)
{
    static const char *const prints[] = {"print",     "print_i32",     "print_i64",    "print_f32",
                                         "print_f64", "print_i32_f32", "print_f64_f64"};
    static const uint8_t types[][4] = {{0},       {1, 0x7f},       {1, 0x7e},      {1, 0x7d},
                                       {1, 0x7c}, {2, 0x7f, 0x7d}, {2, 0x7c, 0x7c}};
    cps_buf b;
    cps_buf_init(&b);
    cps_write_bytes(out, "\0asm\1\0\0\0", 8);
    cps_write_u8(&b, 7);
    for (int i = 0; i < 7; i++) {
        cps_write_u8(&b, 0x60);
        cps_write_u8(&b, types[i][0]);
        cps_write_bytes(&b, &types[i][1], types[i][0]);
        cps_write_u8(&b, 0);
    }
    sec(out, 1, &b);
    cps_write_u8(&b, 7);
    for (int i = 0; i < 7; i++) {
        name(&b, "spectest_host");
        name(&b, prints[i]);
        cps_write_u8(&b, 0);
        cps_write_u8(&b, (uint8_t)i);
    }
    sec(out, 2, &b);
    cps_write_bytes(&b, "\x01\x70\x01\x0a\x14", 5); /* table 10 20 funcref */
    sec(out, 4, &b);
    cps_write_bytes(&b, "\x01\x01\x01\x02", 4); /* memory 1 2 */
    sec(out, 5, &b);
    float f = 666.6f;
    double d = 666.6;
    uint32_t fb;
    uint64_t db;
    memcpy(&fb, &f, 4);
    memcpy(&db, &d, 8);
    cps_write_u8(&b, 4);
    cps_write_bytes(&b, "\x7f\x00\x41\x9a\x05\x0b", 6); /* i32 666 */
    cps_write_bytes(&b, "\x7e\x00\x42\x9a\x05\x0b", 6); /* i64 666 */
    cps_write_bytes(&b, "\x7d\x00\x43", 3);
    cps_write_u32(&b, fb);
    cps_write_u8(&b, 0x0b);
    cps_write_bytes(&b, "\x7c\x00\x44", 3);
    cps_write_u64(&b, db);
    cps_write_u8(&b, 0x0b);
    sec(out, 6, &b);
    cps_write_u8(&b, 7 + 6);
    for (int i = 0; i < 7; i++) {
        name(&b, prints[i]);
        cps_write_u8(&b, 0);
        cps_write_u8(&b, (uint8_t)i);
    }
    static const char *const gnames[] = {"global_i32", "global_i64", "global_f32", "global_f64"};
    for (int i = 0; i < 4; i++) {
        name(&b, gnames[i]);
        cps_write_u8(&b, 3);
        cps_write_u8(&b, (uint8_t)i);
    }
    name(&b, "table");
    cps_write_u8(&b, 1);
    cps_write_u8(&b, 0);
    name(&b, "memory");
    cps_write_u8(&b, 2);
    cps_write_u8(&b, 0);
    sec(out, 7, &b);
    cps_buf_free(&b);
}

/* ---- script state ---------------------------------------------------------------------------- */

typedef struct named {
    char *name;
    cps_vm_instance *inst;
} named;

typedef struct script {
    cps_vm_limits limits;
    cps_vm_instance **all; /* every instance made, destroyed at the end */
    size_t nall;
    named *names; /* "$M" -> instance */
    size_t nnames;
    named *registered; /* "spectest" etc. -> instance */
    size_t nregistered;
    cps_vm_instance *current;
    const char *dir;
    int passed, failed;
    const char *file;
} script;

static void keep(script *s, cps_vm_instance *inst)
{
    s->all = realloc(s->all, (s->nall + 1) * sizeof *s->all);
    s->all[s->nall++] = inst;
}

static void add_name(named **list, size_t *n, const char *nm, cps_vm_instance *inst)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i].name, nm) == 0) {
            (*list)[i].inst = inst;
            return;
        }
    *list = realloc(*list, (*n + 1) * sizeof **list);
    (*list)[*n].name = strdup(nm);
    (*list)[*n].inst = inst;
    (*n)++;
}

static cps_vm_instance *find_name(named *list, size_t n, const char *nm)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, nm) == 0) return list[i].inst;
    return NULL;
}

static int resolve(void *user, const char *module, const char *nm, cps_vm_extern *out)
{
    script *s = user;
    cps_vm_instance *inst = find_name(s->registered, s->nregistered, module);
    if (!inst) return CPS_ERR_NOT_FOUND;
    return cps_vm_instance_export(inst, nm, out);
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (p && n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *size = n > 0 ? (size_t)n : 0;
    return p;
}

static void fail(script *s, int line, const char *fmt, ...) CPS_PRINTF(3, 4);
static void fail(script *s, int line, const char *fmt, ...)
{
    s->failed++;
    if (!verbose) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stdout, "  %s:%d: ", s->file, line);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

/* Loads a module file of the script; *inst is NULL when instantiate is false. */
static int load_module(script *s, const char *filename, bool instantiate, cps_vm_module **mod,
                       cps_vm_instance **inst)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", s->dir, filename);
    size_t size;
    uint8_t *bytes = read_file(path, &size);
    *mod = NULL;
    *inst = NULL;
    if (!bytes) return cps_fail(CPS_ERR_IO, "cannot read %s", path);
    int rc = cps_vm_module_load(bytes, size, &s->limits, mod);
    free(bytes);
    if (rc || !instantiate) return rc;
    cps_vm_imports imports = {NULL, 0, resolve, s};
    cps_vm_exec ex = {UINT64_C(1) << 40, 0, 0, NULL};
    rc = cps_vm_instance_create(*mod, &imports, &s->limits, &ex, true, inst);
    if (*inst) keep(s, *inst);
    if (rc) *inst = NULL;
    return rc;
}

/* ---- values ------------------------------------------------------------------------------ */

static int type_of(const char *t)
{
    if (!strcmp(t, "i32")) return CPS_VM_I32;
    if (!strcmp(t, "i64")) return CPS_VM_I64;
    if (!strcmp(t, "f32")) return CPS_VM_F32;
    if (!strcmp(t, "f64")) return CPS_VM_F64;
    if (!strcmp(t, "funcref")) return CPS_VM_FUNCREF;
    if (!strcmp(t, "externref")) return CPS_VM_EXTERNREF;
    return -1;
}

static int parse_value(json_t *j, cps_vm_value *v)
{
    const char *t = json_string_value(json_object_get(j, "type"));
    json_t *jv = json_object_get(j, "value");
    const char *val = json_string_value(jv);
    int ty = t ? type_of(t) : -1;
    if (ty < 0) return -1;
    v->type = (uint8_t)ty;
    v->v.i64 = 0;
    if (ty == CPS_VM_FUNCREF || ty == CPS_VM_EXTERNREF) {
        if (!val || !strcmp(val, "null"))
            v->v.ref = NULL;
        else
            v->v.ref = (void *)(uintptr_t)(strtoull(val, NULL, 10) + 1);
        return 0;
    }
    if (!val) return -1;
    uint64_t x = strtoull(val, NULL, 10);
    if (ty == CPS_VM_I32 || ty == CPS_VM_F32)
        v->v.i32 = (uint32_t)x;
    else
        v->v.i64 = x;
    return 0;
}

static bool value_matches(json_t *exp, const cps_vm_value *got, char *why, size_t whylen)
{
    const char *t = json_string_value(json_object_get(exp, "type"));
    const char *val = json_string_value(json_object_get(exp, "value"));
    int ty = t ? type_of(t) : -1;
    if (ty != got->type) {
        snprintf(why, whylen, "type %s, got type 0x%02x", t ? t : "?", got->type);
        return false;
    }
    if (ty == CPS_VM_F32 && val && !strncmp(val, "nan:", 4)) {
        uint32_t b = got->v.i32;
        bool nan = (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu);
        bool ok = !strcmp(val, "nan:canonical") ? (b & 0x7fffffffu) == 0x7fc00000u
                                                : nan && (b & 0x00400000u);
        if (!ok) snprintf(why, whylen, "%s, got f32 bits 0x%08x", val, b);
        return ok;
    }
    if (ty == CPS_VM_F64 && val && !strncmp(val, "nan:", 4)) {
        uint64_t b = got->v.i64;
        bool nan = (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull);
        bool ok = !strcmp(val, "nan:canonical")
                      ? (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull
                      : nan && (b & 0x0008000000000000ull);
        if (!ok) snprintf(why, whylen, "%s, got f64 bits 0x%016llx", val, (unsigned long long)b);
        return ok;
    }
    if (ty == CPS_VM_FUNCREF || ty == CPS_VM_EXTERNREF) {
        bool want_null = !val || !strcmp(val, "null");
        if (ty == CPS_VM_FUNCREF && !val) want_null = false; /* "any function" */
        if (want_null) {
            if (got->v.ref) snprintf(why, whylen, "null reference, got non-null");
            return got->v.ref == NULL;
        }
        if (ty == CPS_VM_FUNCREF) {
            if (!got->v.ref) snprintf(why, whylen, "a function reference, got null");
            return got->v.ref != NULL;
        }
        void *want = (void *)(uintptr_t)(strtoull(val, NULL, 10) + 1);
        if (got->v.ref != want) snprintf(why, whylen, "ref.extern %s, got another", val);
        return got->v.ref == want;
    }
    uint64_t want = strtoull(val ? val : "0", NULL, 10);
    uint64_t have = (ty == CPS_VM_I32 || ty == CPS_VM_F32) ? got->v.i32 : got->v.i64;
    if (ty == CPS_VM_I32 || ty == CPS_VM_F32) want &= 0xffffffffu;
    if (want != have) {
        snprintf(why, whylen, "%s %llu, got %llu", t, (unsigned long long)want,
                 (unsigned long long)have);
        return false;
    }
    return true;
}

/* Runs an action; fills results (up to 16). Returns the VM's result code, or 1 if the action
 * itself is broken (unknown module or export). */
static int run_action(script *s, json_t *action, cps_vm_value *results, size_t *nresults)
{
    const char *type = json_string_value(json_object_get(action, "type"));
    const char *mod = json_string_value(json_object_get(action, "module"));
    json_t *jfield = json_object_get(action, "field");
    const char *field = json_string_value(jfield);
    cps_vm_instance *inst = mod ? find_name(s->names, s->nnames, mod) : s->current;
    *nresults = 0;
    if (!inst || !field || !type) return 1;
    cps_vm_extern e;
    if (cps_vm_instance_export_n(inst, field, json_string_length(jfield), &e)) return 1;
    if (!strcmp(type, "get")) {
        if (e.kind != CPS_VM_EXTERN_GLOBAL) return 1;
        results[0] = cps_vm_global_get(e.ptr);
        *nresults = 1;
        return 0;
    }
    if (strcmp(type, "invoke") != 0 || e.kind != CPS_VM_EXTERN_FUNC) return 1;
    json_t *jargs = json_object_get(action, "args");
    size_t nargs = json_array_size(jargs);
    cps_vm_value args[64];
    if (nargs > 64) return 1;
    for (size_t i = 0; i < nargs; i++)
        if (parse_value(json_array_get(jargs, i), &args[i])) return 1;
    const uint8_t *pt, *rt;
    uint32_t np, nr;
    cps_vm_func_type(e.ptr, &pt, &np, &rt, &nr);
    if (nr > 16) return 1;
    cps_vm_exec ex = {UINT64_C(1) << 40, 0, 0, NULL};
    int rc = cps_vm_call_func(e.ptr, args, nargs, results, nr, &ex);
    if (rc == 0) *nresults = nr;
    return rc;
}

static void cmd_assert_return(script *s, json_t *cmd, int line)
{
    cps_vm_value res[16];
    size_t nres;
    int rc = run_action(s, json_object_get(cmd, "action"), res, &nres);
    if (rc) {
        fail(s, line, "assert_return: %s (%s)", rc == 1 ? "bad action" : cps_error_name(rc),
             cps_last_error());
        return;
    }
    json_t *exp = json_object_get(cmd, "expected");
    if (json_array_size(exp) != nres) {
        fail(s, line, "assert_return: %zu results, expected %zu", nres, json_array_size(exp));
        return;
    }
    for (size_t i = 0; i < nres; i++) {
        char why[160];
        json_t *e = json_array_get(exp, i);
        /* "either" alternatives (used by relaxed SIMD only) are not in this suite */
        if (!value_matches(e, &res[i], why, sizeof why)) {
            fail(s, line, "assert_return: result %zu: expected %s", i, why);
            return;
        }
    }
    s->passed++;
}

static void cmd_assert_trap(script *s, json_t *cmd, int line, int want)
{
    cps_vm_value res[16];
    size_t nres;
    const char *text = json_string_value(json_object_get(cmd, "text"));
    int rc = run_action(s, json_object_get(cmd, "action"), res, &nres);
    if (rc != want) {
        fail(s, line, "%s: got %s (%s), expected %s \"%s\"",
             json_string_value(json_object_get(cmd, "type")),
             rc == 0   ? "success"
             : rc == 1 ? "bad action"
                       : cps_error_name(rc),
             rc > 1 || rc < 0 ? cps_last_error() : "", cps_error_name(want), text ? text : "");
        return;
    }
    if (want == CPS_ERR_TRAP && text && strncmp(cps_last_error(), text, strlen(text)) != 0 &&
        verbose > 1)
        printf("  %s:%d: note: trap \"%s\", expected \"%s\"\n", s->file, line, cps_last_error(),
               text);
    s->passed++;
}

static int run_script(const char *jsonpath, int *passed, int *failed)
{
    json_error_t jerr;
    json_t *root = json_load_file(jsonpath, JSON_ALLOW_NUL, &jerr);
    if (!root) {
        printf("%s: cannot parse: %s\n", jsonpath, jerr.text);
        (*failed)++;
        return -1;
    }
    script s;
    memset(&s, 0, sizeof s);
    cps_vm_limits_default(&s.limits);
    s.limits.max_memory_pages = 65536;
    s.limits.max_table_size = 10000000;
    s.file = jsonpath;
    char *dir = strdup(jsonpath);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(dir, ".");
    s.dir = dir;

    /* the spectest module */
    cps_buf bin;
    cps_buf_init(&bin);
    build_spectest(&bin);
    static const char *const prints[] = {"print",     "print_i32",     "print_i64",    "print_f32",
                                         "print_f64", "print_i32_f32", "print_f64_f64"};
    static const char *const sigs[] = {"()", "(i)", "(I)", "(f)", "(F)", "(if)", "(FF)"};
    cps_vm_host_func hf[7];
    for (int i = 0; i < 7; i++)
        hf[i] = (cps_vm_host_func){"spectest_host", prints[i], sigs[i], host_print, NULL};
    cps_vm_module *specmod;
    cps_vm_instance *specinst = NULL;
    if (cps_vm_module_load(bin.data, bin.size, NULL, &specmod) == 0) {
        cps_vm_imports imp = {hf, 7, NULL, NULL};
        if (cps_vm_instance_create(specmod, &imp, &s.limits, NULL, false, &specinst) == 0) {
            keep(&s, specinst);
            add_name(&s.registered, &s.nregistered, "spectest", specinst);
        }
        cps_vm_module_release(specmod);
    }
    cps_buf_free(&bin);
    if (!specinst) {
        printf("%s: cannot build the spectest module: %s\n", jsonpath, cps_last_error());
        s.failed++;
    }

    json_t *cmds = json_object_get(root, "commands");
    for (size_t i = 0; i < json_array_size(cmds); i++) {
        json_t *cmd = json_array_get(cmds, i);
        const char *type = json_string_value(json_object_get(cmd, "type"));
        int line = (int)json_integer_value(json_object_get(cmd, "line"));
        const char *filename = json_string_value(json_object_get(cmd, "filename"));
        const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
        if (!type) continue;
        if (!strcmp(type, "module")) {
            cps_vm_module *m;
            cps_vm_instance *inst;
            int rc = load_module(&s, filename, true, &m, &inst);
            cps_vm_module_release(m);
            if (rc) {
                fail(&s, line, "module %s: %s (%s)", filename, cps_error_name(rc),
                     cps_last_error());
                s.current = NULL;
                continue;
            }
            s.current = inst;
            const char *nm = json_string_value(json_object_get(cmd, "name"));
            if (nm) add_name(&s.names, &s.nnames, nm, inst);
        } else if (!strcmp(type, "register")) {
            const char *nm = json_string_value(json_object_get(cmd, "name"));
            const char *as = json_string_value(json_object_get(cmd, "as"));
            cps_vm_instance *inst = nm ? find_name(s.names, s.nnames, nm) : s.current;
            if (!inst || !as) {
                fail(&s, line, "register: no such module");
                continue;
            }
            add_name(&s.registered, &s.nregistered, as, inst);
        } else if (!strcmp(type, "action")) {
            cps_vm_value res[16];
            size_t nres;
            int rc = run_action(&s, json_object_get(cmd, "action"), res, &nres);
            if (rc)
                fail(&s, line, "action: %s (%s)", rc == 1 ? "bad action" : cps_error_name(rc),
                     cps_last_error());
        } else if (!strcmp(type, "assert_return")) {
            cmd_assert_return(&s, cmd, line);
        } else if (!strcmp(type, "assert_trap")) {
            cmd_assert_trap(&s, cmd, line, CPS_ERR_TRAP);
        } else if (!strcmp(type, "assert_exhaustion")) {
            cmd_assert_trap(&s, cmd, line, CPS_ERR_EXHAUSTION);
        } else if (!strcmp(type, "assert_invalid") || !strcmp(type, "assert_malformed")) {
            if (mtype && strcmp(mtype, "binary") != 0) continue; /* text modules: skipped */
            cps_vm_module *m;
            cps_vm_instance *inst;
            int rc = load_module(&s, filename, false, &m, &inst);
            cps_vm_module_release(m);
            if (rc == 0)
                fail(&s, line, "%s: module %s loaded, expected \"%s\"", type, filename,
                     json_string_value(json_object_get(cmd, "text")));
            else if (rc == CPS_ERR_IO)
                fail(&s, line, "%s: %s", type, cps_last_error());
            else {
                s.passed++;
                if (verbose > 1)
                    printf("  %s:%d: %s ok: \"%s\" vs ours \"%s\"\n", s.file, line, type,
                           json_string_value(json_object_get(cmd, "text")), cps_last_error());
            }
        } else if (!strcmp(type, "assert_unlinkable") || !strcmp(type, "assert_uninstantiable")) {
            if (mtype && strcmp(mtype, "binary") != 0) continue;
            bool unlink = !strcmp(type, "assert_unlinkable");
            cps_vm_module *m;
            cps_vm_instance *inst;
            int rc = load_module(&s, filename, true, &m, &inst);
            cps_vm_module_release(m);
            bool ok = unlink ? rc == CPS_ERR_WASM_UNLINKABLE
                             : (rc == CPS_ERR_WASM_UNINSTANTIABLE || rc == CPS_ERR_TRAP);
            if (ok)
                s.passed++;
            else
                fail(&s, line, "%s: got %s (%s)", type, rc ? cps_error_name(rc) : "success",
                     rc ? cps_last_error() : "");
        } else {
            fail(&s, line, "unknown command %s", type);
        }
    }
    printf("%s: %d passed, %d failed\n", jsonpath, s.passed, s.failed);
    *passed += s.passed;
    *failed += s.failed;
    for (size_t i = 0; i < s.nall; i++)
        cps_vm_instance_destroy(s.all[i]);
    free(s.all);
    for (size_t i = 0; i < s.nnames; i++)
        free(s.names[i].name);
    free(s.names);
    for (size_t i = 0; i < s.nregistered; i++)
        free(s.registered[i].name);
    free(s.registered);
    free(dir);
    json_decref(root);
    return 0;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, files = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) {
            verbose++;
            continue;
        }
        if (!strcmp(argv[i], "--dump") && i + 1 < argc) {
            size_t n;
            uint8_t *b = read_file(argv[++i], &n);
            cps_vm_module *m;
            if (!b || cps_vm_module_load(b, n, NULL, &m)) {
                fprintf(stderr, "%s: %s\n", argv[i], b ? cps_last_error() : "cannot read");
                free(b);
                return 1;
            }
            cps_vm__dump(m, stdout);
            cps_vm_module_release(m);
            free(b);
            files++;
            continue;
        }
        if (!strcmp(argv[i], "-vv")) {
            verbose += 2;
            continue;
        }
        run_script(argv[i], &passed, &failed);
        files++;
    }
    if (files == 0) {
        fprintf(stderr, "usage: cps-wasm-spec [-v] FILE.json...\n");
        return 2;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
