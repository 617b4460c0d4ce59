/* pretty: cleos's JSON layout. cleos prints results with fc::json::to_pretty_string, which
 * re-flows compact JSON text character by character; users and scripts know that exact shape
 * ("actions": [{ on one line, closers on their own lines), so it is reproduced here rather than
 * using a JSON library's indenter. */
#include "cli/cli.h"

#include <string.h>

#define INDENT 2

static void newline_indent(cps_buf *out, int level)
{
    cps_write_u8(out, '\n');
    for (int i = 0; i < level * INDENT; i++)
        cps_write_u8(out, ' ');
}

/* The rules, as fc applies them to its own compact output:
 * - after '{' or '[' and after ',' (outside strings) the next token starts on a new line at
 *   the current depth, except that an opening bracket right after another one stays on the
 *   same line ("[{");
 * - a closing bracket goes on its own line one level up, unless the container is empty;
 * - ':' outside strings becomes ": ".
 * Escapes inside strings are tracked so that \" does not end the string. */
int cps_cli_json_pretty(cps_buf *out, const char *json, size_t n)
{
    int level = 0;
    bool pending_break = false; /* a token must start on a new line */
    bool in_string = false;
    bool escaped = false;

    for (size_t i = 0; i < n; i++) {
        char c = json[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            cps_write_u8(out, (uint8_t)c);
            continue;
        }
        switch (c) {
        case '{':
        case '[':
            cps_write_u8(out, (uint8_t)c);
            level++;
            pending_break = true;
            break;
        case '}':
        case ']':
            if (i == 0 || (json[i - 1] != '[' && json[i - 1] != '{')) {
                cps_write_u8(out, '\n');
                level--;
                for (int k = 0; k < level * INDENT; k++)
                    cps_write_u8(out, ' ');
            } else {
                level--;
            }
            pending_break = false;
            cps_write_u8(out, (uint8_t)c);
            break;
        case ',':
            cps_write_u8(out, ',');
            pending_break = true;
            break;
        case ':':
            cps_write_bytes(out, ": ", 2);
            break;
        default:
            if (pending_break) {
                newline_indent(out, level);
                pending_break = false;
            }
            if (c == '"') in_string = true;
            cps_write_u8(out, (uint8_t)c);
        }
    }
    return out->failed;
}

int cps_cli_print_json(cps_cli_ctx *ctx, const char *json, size_t n)
{
    cps_buf pretty;
    cps_buf_init(&pretty);
    int rc = cps_cli_json_pretty(&pretty, json, n);
    if (rc == 0) {
        fwrite(pretty.data, 1, pretty.size, ctx->out);
        fputc('\n', ctx->out);
    }
    cps_buf_free(&pretty);
    return rc;
}
