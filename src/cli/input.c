/* input: how `cps` reads what users give it — JSON as text or as a file (cleos's
 * json_from_file_or_string), names, contract ABIs from --abi-file — and how it reports errors. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define MAX_INPUT_FILE (64u * 1024 * 1024)

int cps_cli_error(cps_cli_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Error: ", ctx->err);
    vfprintf(ctx->err, fmt, ap);
    va_end(ap);
    if (ctx->verbose && code < 0) fprintf(ctx->err, " (%s)", cps_error_name(code));
    fputc('\n', ctx->err);
    return CPS_CLI_EXIT_FAIL;
}

int cps_cli_read_file(const char *path, char **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return cps_fail(CPS_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    cps_buf b;
    cps_buf_init(&b);
    b.limit = MAX_INPUT_FILE;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (cps_write_bytes(&b, chunk, n)) break;
    }
    int read_error = ferror(f);
    fclose(f);
    if (b.failed) {
        int code = b.failed;
        cps_buf_free(&b);
        if (code == CPS_ERR_LIMIT)
            return cps_fail(CPS_ERR_LIMIT, "%s is larger than %u bytes", path, MAX_INPUT_FILE);
        return cps_fail(code, "cannot read %s: %s", path, cps_strerror(code));
    }
    if (read_error) {
        cps_buf_free(&b);
        return cps_fail(CPS_ERR_IO, "cannot read %s", path);
    }
    if (cps_write_u8(&b, 0)) {
        cps_buf_free(&b);
        return cps_fail(CPS_ERR_NOMEM, "out of memory reading %s", path);
    }
    *size = b.size - 1;
    *data = (char *)cps_buf_release(&b, NULL);
    return 0;
}

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int parse_json(const char *text, size_t len, const char *what, const char *file,
                      json_t **out)
{
    json_error_t jerr;
    *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (*out) return 0;
    if (file)
        return cps_fail(CPS_ERR_JSON, "%s: file %s: malformed JSON at line %d, column %d: %s", what,
                        file, jerr.line, jerr.column, jerr.text);
    return cps_fail(CPS_ERR_JSON, "%s: malformed JSON at line %d, column %d: %s", what, jerr.line,
                    jerr.column, jerr.text);
}

int cps_cli_json_from_file_or_string(const char *text, const char *what, json_t **out)
{
    *out = NULL;
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    bool looks_like_json = *p == '{' || *p == '[';
    if (!looks_like_json && is_regular_file(text)) {
        char *data;
        size_t size;
        int rc = cps_cli_read_file(text, &data, &size);
        if (rc) return cps_fail_prefix(rc, "%s", what);
        rc = parse_json(data, size, what, text, out);
        free(data);
        return rc;
    }
    int rc = parse_json(text, strlen(text), what, NULL, out);
    if (rc && !looks_like_json && strlen(text) < 256) {
        /* Copy the parser's detail (minus "what: ") before cps_fail overwrites it. */
        char parse_detail[512];
        snprintf(parse_detail, sizeof parse_detail, "%s", cps_last_error() + strlen(what) + 2);
        return cps_fail(rc, "%s: \"%s\" is neither JSON nor a readable file (%s)", what, text,
                        parse_detail);
    }
    return rc;
}

int cps_cli_parse_name(const char *text, const char *what, cps_name *out)
{
    int rc = cps_abi_name_from_string(text, strlen(text), out);
    if (rc) return cps_fail_prefix(rc, "%s", what);
    return 0;
}

/* A detail starts with a path when the text before its first ':' is one token of name
 * characters, dots and brackets ("actions[0].account: ..."). */
static bool starts_with_path(const char *detail)
{
    const char *p = detail;
    while (*p && *p != ':') {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '[' || c == ']';
        if (!ok) return false;
        p++;
    }
    return *p == ':' && p != detail;
}

const char *cps_cli_error_path(char *buf, size_t cap, const char *what, const char *detail)
{
    if (!detail || !*detail) detail = "failed";
    snprintf(buf, cap, "%s%s%s", what, starts_with_path(detail) ? "." : ": ", detail);
    return buf;
}

/* ---- --abi-file ---------------------------------------------------------------------------- */

int cps_cli_abi_file_add(cps_cli_ctx *ctx, const char *spec)
{
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec || colon[1] == '\0')
        return cps_fail(CPS_ERR_INVALID_ARG,
                        "--abi-file \"%s\": expected <contract name>:<abi file path>", spec);
    cps_name account;
    int rc = cps_abi_name_from_string(spec, (size_t)(colon - spec), &account);
    if (rc) return cps_fail_prefix(rc, "--abi-file \"%s\"", spec);
    for (size_t i = 0; i < ctx->abi_file_count; i++)
        if (ctx->abi_files[i].account == account)
            return cps_fail(CPS_ERR_INVALID_ARG, "--abi-file: two ABI files for %.*s",
                            (int)(colon - spec), spec);
    cps_cli_abi_file *grown =
        realloc(ctx->abi_files, (ctx->abi_file_count + 1) * sizeof *ctx->abi_files);
    if (!grown) return cps_fail(CPS_ERR_NOMEM, "out of memory");
    ctx->abi_files = grown;
    cps_cli_abi_file *f = &ctx->abi_files[ctx->abi_file_count++];
    f->account = account;
    f->path = colon + 1;
    f->abi = NULL;
    return 0;
}

static int load_abi_file(cps_cli_abi_file *f)
{
    if (f->abi) return 0;
    char *data;
    size_t size;
    int rc = cps_cli_read_file(f->path, &data, &size);
    if (rc) return cps_fail_prefix(rc, "--abi-file");
    rc = cps_abi_from_json(data, size, &f->abi);
    free(data);
    if (rc) {
        f->abi = NULL;
        return cps_fail_prefix(rc, "--abi-file %s", f->path);
    }
    return 0;
}

int cps_cli_abi_files_load(cps_cli_ctx *ctx)
{
    for (size_t i = 0; i < ctx->abi_file_count; i++) {
        int rc = load_abi_file(&ctx->abi_files[i]);
        if (rc) return rc;
    }
    return 0;
}

int cps_cli_abi_for(cps_cli_ctx *ctx, cps_name account, const cps_abi **abi, bool *found)
{
    *abi = NULL;
    *found = false;
    for (size_t i = 0; i < ctx->abi_file_count; i++) {
        cps_cli_abi_file *f = &ctx->abi_files[i];
        if (f->account != account) continue;
        int rc = load_abi_file(f);
        if (rc) return rc;
        *abi = f->abi;
        *found = true;
        return 0;
    }
    if (ctx->node_abis) {
        int rc = cps_cli_node_abi(ctx, account, abi);
        if (rc) return rc;
        if (*abi) {
            *found = true;
            return 0;
        }
    }
    /* Offline stand-in for the chain: eosio's native actions (newaccount, updateauth, linkauth,
     * ...) have a fixed ABI that every chain installs at genesis. */
    if (account == cps_abi_name("eosio")) {
        *abi = cps_abi_eosio_native();
        *found = *abi != NULL;
    }
    return 0;
}

const cps_abi *cps_cli_abi_resolver(void *opaque, cps_name account)
{
    cps_cli_ctx *ctx = opaque;
    const cps_abi *abi;
    bool found;
    if (cps_cli_abi_for(ctx, account, &abi, &found) || !found) return NULL;
    return abi;
}

void cps_cli_ctx_free(cps_cli_ctx *ctx)
{
    for (size_t i = 0; i < ctx->abi_file_count; i++)
        cps_abi_free(ctx->abi_files[i].abi);
    free(ctx->abi_files);
    for (size_t i = 0; i < ctx->node_abi_count; i++)
        cps_abi_free(ctx->node_abi_cache[i].abi);
    free(ctx->node_abi_cache);
    ctx->node_abi_cache = NULL;
    ctx->node_abi_count = 0;
    free(ctx->url);
    free(ctx->wallet_url);
    ctx->abi_files = NULL;
    ctx->abi_file_count = 0;
    ctx->url = ctx->wallet_url = NULL;
}

/* ---- nodeos/keosd-shaped errors and secret prompts ----------------------------------------- */

int cps_cli_eosio_error(cps_cli_ctx *ctx, uint32_t code, const char *what, const char *fmt, ...)
{
    fprintf(ctx->err, "Error %u: %s\n", code, what);
    if (fmt && *fmt) {
        va_list ap;
        va_start(ap, fmt);
        fputs("Error Details:\n", ctx->err);
        vfprintf(ctx->err, fmt, ap);
        fputc('\n', ctx->err);
        va_end(ap);
    }
    return CPS_CLI_EXIT_FAIL;
}

int cps_cli_read_secret(cps_cli_ctx *ctx, const char *prompt, char *buf, size_t cap)
{
    struct termios saved, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    fputs(prompt, ctx->err);
    fflush(ctx->err);
    if (tty) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *line = fgets(buf, (int)cap, stdin);
    if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    /* End the prompt's line: the typed text was not echoed (or came from a pipe). */
    fputc('\n', ctx->err);
    if (!line) {
        buf[0] = '\0';
        return cps_fail(CPS_ERR_INVALID_ARG, "nothing given on standard input");
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

int cps_cli_write_secret_file(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return cps_fail(CPS_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return cps_fail(CPS_ERR_IO, "cannot write %s: %s", path, strerror(e));
        }
        done += (size_t)w;
    }
    if (close(fd) != 0) return cps_fail(CPS_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return 0;
}
