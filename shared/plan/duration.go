package plan

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Duration is a non-negative length of time written as a Go duration
// ("30s", "15m", "1h30m", "250ms"). Its canonical form is the shortest
// such string ("90m" becomes "1h30m", "0" becomes "0s").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String renders d canonically: hours, minutes, seconds and milliseconds,
// largest first, zero units left out.
func (d Duration) String() string {
	v := time.Duration(d)
	if v == 0 {
		return "0s"
	}
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
		v = -v
	}
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}, {time.Microsecond, "us"}, {time.Nanosecond, "ns"}} {
		if n := v / u.unit; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.name)
			v -= n * u.unit
		}
	}
	return b.String()
}

// MarshalJSON writes the canonical string form.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(d.String())), nil
}

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return errors.New("duration must be a string such as \"15m\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// maxDuration bounds every plan duration: nothing in a recovery plan
// sensibly lasts longer than a year.
const maxDuration = 366 * 24 * time.Hour

// ParseDuration parses a non-negative duration of at most a year. A bare
// "0" is accepted; any other number needs a unit (ms, s, m, h).
func ParseDuration(s string) (Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if strings.HasPrefix(s, "-") {
		return 0, errors.New("negative duration")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration")
	}
	if v > maxDuration {
		return 0, errors.New("longer than a year")
	}
	return Duration(v), nil
}
