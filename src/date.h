/*
 * date.h - calendar days in UTC, independent of the local time zone and locale.
 *
 * A day is the number of days since 1970-01-01 (negative before). A date on the command line or
 * in the catalog is exactly "YYYY-MM-DD" (Gregorian, years 1900..9999); anything else is rejected.
 * "At day D" means at 00:00:00 UTC of D: a certificate whose notAfter is earlier is expired at D.
 */
#ifndef RW_DATE_H
#define RW_DATE_H

#include <stdint.h>
#include <time.h>

/* 0 and *day set on success, -1 if s is not a valid date. */
int date_parse(const char *s, int32_t *day);
/* Writes "YYYY-MM-DD" (11 bytes with the NUL). */
void date_format(int32_t day, char out[11]);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL). */
void time_format(time_t t, char out[21]);
int32_t date_of_time(time_t t);
time_t date_start(int32_t day);
/* Today in UTC; honours ROOTWARDEN_NOW=YYYY-MM-DD when set (for tests and rehearsals). */
int32_t date_today(void);
/* The day of a civil date (UTC); month 1..12, mday 1..31, not validated. */
int32_t date_from_ymd(int y, unsigned m, unsigned d);
/* Seconds on the monotonic clock, for timeouts and durations (not a date). */
double monotonic_seconds(void);

#endif
