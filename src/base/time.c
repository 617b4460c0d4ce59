/* time: clocks and EOSIO's ISO-8601 text form of time points ("2018-06-01T12:00:00.000"). */
#include "base/base.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t cps_time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t cps_time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Days since 1970-01-01 for a proleptic Gregorian date, and back (Howard Hinnant's algorithms,
 * written from their published description); no dependence on the process time zone. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void cps_time_format(char *out, size_t cap, int64_t us, bool with_ms)
{
    int64_t secs = us / 1000000;
    int64_t frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (with_ms)
        snprintf(out, cap, "%04lld-%02u-%02uT%02d:%02d:%02d.%03d", (long long)y, m, d,
                 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)(frac / 1000));
    else
        snprintf(out, cap, "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, m, d,
                 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int cps_time_parse(const char *s, size_t len, int64_t *us)
{
    int y, mo, d, h, mi, se;
    /* YYYY-MM-DDTHH:MM:SS is 19 characters. */
    if (len < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
        return cps_fail(CPS_ERR_FORMAT, "expected a time \"YYYY-MM-DDTHH:MM:SS[.sss]\", got \"%.*s\"",
                        (int)(len > 40 ? 40 : len), s);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        return cps_fail(CPS_ERR_FORMAT, "time \"%.*s\" has a field out of range", (int)len, s);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
        return cps_fail(CPS_ERR_FORMAT, "time \"%.*s\" has no such day", (int)len, s);
    size_t pos = 19;
    int64_t frac_us = 0;
    if (pos < len && s[pos] == '.') {
        pos++;
        size_t nd = 0;
        int64_t scale = 100000;
        while (pos < len && s[pos] >= '0' && s[pos] <= '9') {
            if (nd < 6) {
                frac_us += (s[pos] - '0') * scale;
                scale /= 10;
            }
            nd++;
            pos++;
        }
        if (nd == 0) return cps_fail(CPS_ERR_FORMAT, "time \"%.*s\": no digits after '.'", (int)len, s);
    }
    if (pos < len && s[pos] == 'Z') pos++;
    if (pos != len)
        return cps_fail(CPS_ERR_FORMAT, "time \"%.*s\": unexpected characters at the end", (int)len,
                        s);
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *us = ((days * 86400 + h * 3600 + mi * 60 + se) * 1000000) + frac_us;
    return 0;
}
