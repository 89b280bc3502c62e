#include "date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int32_t date_from_ymd(int y, unsigned m, unsigned d)
{
	struct tm tm = {0};

	tm.tm_year = y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	return date_of_time(timegm(&tm));
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_parse(const char *s, int32_t *day)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y = 0;
	unsigned m = 0, d = 0, max;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
	}
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return -1;
	max = mdays[m - 1] + (m == 2 && is_leap(y));
	if (d > max)
		return -1;
	*day = date_from_ymd(y, m, d);
	return 0;
}

void date_format(int32_t day, char out[11])
{
	time_t t = date_start(day);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

int32_t date_of_time(time_t t)
{
	long long q = (long long)t / 86400;

	if ((long long)t % 86400 < 0)
		q--;
	return (int32_t)q;
}

time_t date_start(int32_t day)
{
	return (time_t)day * 86400;
}

void time_format(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

int32_t date_today(void)
{
	const char *now = getenv("ROOTWARDEN_NOW");
	int32_t day;

	if (now != NULL && date_parse(now, &day) == 0)
		return day;
	return date_of_time(time(NULL));
}

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
