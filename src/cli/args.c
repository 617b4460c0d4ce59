/* args: the command-line parser of `cps` — walks argv down the command table, collects options
 * and positionals, and prints CLI11-style help (the layout cleos users know). */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

/* Help columns: CLI11's default width, which the cleos reference pages show. */
#define HELP_COLUMN 30

static const cps_cli_option help_option = {"-h,--help", NULL, NULL,
                                           "Print this help message and exit", false};

/* True if `spelling` (len bytes) is one of the comma-separated names of `opt`. */
static bool option_has_name(const cps_cli_option *opt, const char *spelling, size_t len)
{
    const char *p = opt->names;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && memcmp(p, spelling, len) == 0) return true;
        if (!end) break;
        p = end + 1;
    }
    return false;
}

static const cps_cli_option *find_option(const cps_cli_command *cmd, const char *spelling,
                                         size_t len)
{
    if (!cmd->options) return NULL;
    for (const cps_cli_option *o = cmd->options; o->names; o++)
        if (option_has_name(o, spelling, len)) return o;
    return NULL;
}

/* Options of the command itself win; options of the commands above it (the global ones at the
 * root) are accepted after a subcommand too, so `cps convert ... --abi-file x:y` works. */
static const cps_cli_option *find_option_in_path(const cps_cli_args *a, const char *spelling,
                                                 size_t len)
{
    for (size_t d = a->depth; d-- > 0;) {
        const cps_cli_option *o = find_option(a->path[d], spelling, len);
        if (o) return o;
    }
    return NULL;
}

static const cps_cli_command *find_subcommand(const cps_cli_command *cmd, const char *name)
{
    if (!cmd->subcommands) return NULL;
    for (const cps_cli_command *const *s = cmd->subcommands; *s; s++)
        if (strcmp((*s)->name, name) == 0) return *s;
    return NULL;
}

/* How many positionals the command takes (SIZE_MAX when its last one takes the rest). */
static size_t positional_capacity(const cps_cli_command *cmd, size_t *required)
{
    size_t n = 0, req = 0;
    if (cmd->positionals)
        for (const cps_cli_positional *p = cmd->positionals; p->name; p++) {
            n++;
            if (p->required) req = n;
        }
    *required = req;
    return n && cmd->last_positional_repeats ? SIZE_MAX : n;
}

static void command_path_text(char *buf, size_t cap, const cps_cli_args *a)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t d = 0; d < a->depth && used < cap; d++) {
        int w = snprintf(buf + used, cap - used, "%s%s", d ? " " : "", a->path[d]->name);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* Handles one argument that starts with '-' (not "-" alone, not "--"). */
static int parse_option(cps_cli_args *a, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    const char *inline_value = NULL;
    size_t len = strlen(arg);
    const cps_cli_option *opt;

    if (arg[1] == '-') {
        const char *eq = strchr(arg, '=');
        if (eq) {
            len = (size_t)(eq - arg);
            inline_value = eq + 1;
        }
        opt = find_option_in_path(a, arg, len);
    } else {
        /* "-kVALUE": a short option with its value attached, as CLI11 accepts. */
        opt = find_option_in_path(a, arg, len > 2 ? 2 : len);
        if (opt && len > 2) {
            if (!opt->value_name)
                opt = NULL; /* bundled flags are not supported */
            else
                inline_value = arg + 2;
        }
    }
    if (!opt) return cps_fail(CPS_ERR_INVALID_ARG, "unknown option %.*s", (int)len, arg);

    const char *value = NULL;
    if (opt->value_name) {
        if (inline_value) {
            value = inline_value;
        } else if (*i + 1 < argc) {
            value = argv[++*i];
        } else {
            return cps_fail(CPS_ERR_INVALID_ARG, "option %.*s needs a value (%s)", (int)len, arg,
                            opt->value_name);
        }
    } else if (inline_value) {
        return cps_fail(CPS_ERR_INVALID_ARG, "option %.*s takes no value", (int)len, arg);
    }
    a->given[a->given_count].option = opt;
    a->given[a->given_count].value = value;
    a->given_count++;
    return 0;
}

int cps_cli_parse(const cps_cli_command *root, int argc, char **argv, cps_cli_args *out)
{
    memset(out, 0, sizeof *out);
    out->path[0] = root;
    out->depth = 1;
    size_t slots = argc > 0 ? (size_t)argc : 1;
    out->given = calloc(slots, sizeof *out->given);
    out->positionals = calloc(slots, sizeof *out->positionals);
    if (!out->given || !out->positionals) return cps_fail(CPS_ERR_NOMEM, "out of memory");

    bool only_positionals = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const cps_cli_command *cmd = out->path[out->depth - 1];
        if (!only_positionals && strcmp(arg, "--") == 0) {
            only_positionals = true;
            continue;
        }
        if (!only_positionals && arg[0] == '-' && arg[1] != '\0') {
            if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
                out->help = true;
                return 0;
            }
            int rc = parse_option(out, argc, argv, &i);
            if (rc) return rc;
            continue;
        }
        if (cmd->subcommands && out->positional_count == 0) {
            const cps_cli_command *sub = find_subcommand(cmd, arg);
            if (!sub) {
                char path[128];
                command_path_text(path, sizeof path, out);
                return cps_fail(CPS_ERR_INVALID_ARG, "unknown command \"%s\" for \"%s\"", arg,
                                path);
            }
            if (out->depth == CPS_CLI_MAX_DEPTH)
                return cps_fail(CPS_ERR_LIMIT, "commands nested too deeply");
            out->path[out->depth++] = sub;
            continue;
        }
        size_t required;
        if (out->positional_count >= positional_capacity(cmd, &required))
            return cps_fail(CPS_ERR_INVALID_ARG, "unexpected argument \"%s\"", arg);
        out->positionals[out->positional_count++] = arg;
    }

    const cps_cli_command *cmd = out->path[out->depth - 1];
    if (cmd->subcommands && !cmd->run)
        return cps_fail(CPS_ERR_INVALID_ARG, "a subcommand is required");
    size_t required;
    positional_capacity(cmd, &required);
    if (out->positional_count < required) {
        const cps_cli_positional *missing = &cmd->positionals[out->positional_count];
        return cps_fail(CPS_ERR_INVALID_ARG, "missing argument: %s", missing->name);
    }
    return 0;
}

void cps_cli_args_free(cps_cli_args *args)
{
    free(args->given);
    free((void *)args->positionals);
    args->given = NULL;
    args->positionals = NULL;
    args->given_count = args->positional_count = 0;
}

bool cps_cli_flag(const cps_cli_args *args, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < args->given_count; i++)
        if (option_has_name(args->given[i].option, name, len)) return true;
    return false;
}

const char *cps_cli_value(const cps_cli_args *args, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = args->given_count; i-- > 0;)
        if (option_has_name(args->given[i].option, name, len)) return args->given[i].value;
    return NULL;
}

const char *cps_cli_value_at(const cps_cli_args *args, const char *name, size_t index)
{
    size_t len = strlen(name), seen = 0;
    for (size_t i = 0; i < args->given_count; i++)
        if (option_has_name(args->given[i].option, name, len) && seen++ == index)
            return args->given[i].value;
    return NULL;
}

const char *cps_cli_arg(const cps_cli_args *args, size_t i)
{
    return i < args->positional_count ? args->positionals[i] : NULL;
}

/* ---- help ---------------------------------------------------------------------------------- */

/* One help line: "  <left>" padded to the column, then the text; a left part too wide for the
 * column puts the text on the next line, as CLI11 does. */
static void help_line(FILE *out, const char *left, const char *text)
{
    int width = fprintf(out, "  %s", left);
    if (!text || !*text) {
        fputc('\n', out);
        return;
    }
    if (width >= HELP_COLUMN) {
        fputc('\n', out);
        width = 0;
    }
    fprintf(out, "%*s%s\n", HELP_COLUMN - width, "", text);
}

static void option_help(FILE *out, const cps_cli_option *o)
{
    char left[160];
    int n = snprintf(left, sizeof left, "%s", o->names);
    if (o->value_name && n >= 0 && (size_t)n < sizeof left)
        snprintf(left + n, sizeof left - (size_t)n, " %s%s%s%s", o->value_name,
                 o->default_text ? "=" : "", o->default_text ? o->default_text : "",
                 o->repeatable ? " ..." : "");
    help_line(out, left, o->help);
}

void cps_cli_print_help(FILE *out, const cps_cli_args *args)
{
    const cps_cli_command *cmd = args->path[args->depth - 1];
    char path[128];
    command_path_text(path, sizeof path, args);

    if (cmd->help) fprintf(out, "%s\n", cmd->help);
    fprintf(out, "Usage: %s [OPTIONS]", path);
    if (cmd->positionals)
        for (const cps_cli_positional *p = cmd->positionals; p->name; p++)
            fprintf(out, p->required ? " %s" : " [%s]", p->name);
    if (cmd->subcommands) fprintf(out, " SUBCOMMAND");
    fputc('\n', out);

    if (cmd->positionals && cmd->positionals->name) {
        fprintf(out, "\nPositionals:\n");
        for (const cps_cli_positional *p = cmd->positionals; p->name; p++) {
            char left[160];
            snprintf(left, sizeof left, "%s %s%s%s", p->name, p->value_name ? p->value_name : "TEXT",
                     cmd->last_positional_repeats && !p[1].name ? " ..." : "",
                     p->required ? " REQUIRED" : "");
            help_line(out, left, p->help);
        }
    }

    fprintf(out, "\nOptions:\n");
    option_help(out, &help_option);
    if (cmd->options)
        for (const cps_cli_option *o = cmd->options; o->names; o++)
            option_help(out, o);

    if (cmd->subcommands) {
        fprintf(out, "\nSubcommands:\n");
        for (const cps_cli_command *const *s = cmd->subcommands; *s; s++)
            help_line(out, (*s)->name, (*s)->help);
    }
}
