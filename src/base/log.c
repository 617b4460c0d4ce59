/* log: leveled log records to stderr, as plain text or one JSON object per line. */
#include "base/base.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum cps_log_level log_level = CPS_LOG_INFO;
static bool log_json;
static FILE *log_stream;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *level_names[] = {"debug", "info", "warn", "error", "off"};

void cps_log_set_level(enum cps_log_level level)
{
    log_level = level;
}

enum cps_log_level cps_log_get_level(void)
{
    return log_level;
}

void cps_log_set_json(bool json)
{
    log_json = json;
}

void cps_log_set_stream(void *file)
{
    log_stream = (FILE *)file;
}

int cps_log_parse_level(const char *s, enum cps_log_level *out)
{
    for (int i = 0; i <= CPS_LOG_OFF; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum cps_log_level)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = CPS_LOG_WARN;
        return 0;
    }
    return cps_fail(CPS_ERR_INVALID_ARG, "unknown log level \"%s\" (debug, info, warn, error, off)",
                    s);
}

int cps_json_quote(cps_buf *b, const char *s, size_t n)
{
    cps_write_u8(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            cps_write_bytes(b, "\\\"", 2);
            break;
        case '\\':
            cps_write_bytes(b, "\\\\", 2);
            break;
        case '\n':
            cps_write_bytes(b, "\\n", 2);
            break;
        case '\r':
            cps_write_bytes(b, "\\r", 2);
            break;
        case '\t':
            cps_write_bytes(b, "\\t", 2);
            break;
        default:
            if (c < 0x20)
                cps_buf_printf(b, "\\u%04x", c);
            else
                cps_write_u8(b, c);
        }
    }
    cps_write_u8(b, '"');
    return b->failed;
}

void cps_log(enum cps_log_level level, const char *module, const char *fmt, ...)
{
    if (level < log_level || level >= CPS_LOG_OFF) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char ts[40];
    cps_time_format(ts, sizeof ts, cps_time_now_us(), true);
    cps_buf line;
    cps_buf_init(&line);
    if (log_json) {
        cps_buf_printf(&line, "{\"ts\":\"%sZ\",\"level\":\"%s\",\"module\":", ts,
                       level_names[level]);
        cps_json_quote(&line, module ? module : "", module ? strlen(module) : 0);
        cps_buf_printf(&line, ",\"msg\":");
        cps_json_quote(&line, msg, strlen(msg));
        cps_buf_printf(&line, "}\n");
    } else {
        cps_buf_printf(&line, "%s %-5s %-8s %s\n", ts, level_names[level], module ? module : "",
                       msg);
    }
    if (!line.failed) {
        pthread_mutex_lock(&log_lock);
        FILE *f = log_stream ? log_stream : stderr;
        fwrite(line.data, 1, line.size, f);
        fflush(f);
        pthread_mutex_unlock(&log_lock);
    }
    cps_buf_free(&line);
}
