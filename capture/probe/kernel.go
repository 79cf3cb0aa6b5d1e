package probe

import (
	"fmt"
	"strconv"
	"strings"
)

// parseRelease reads "6.18.0-1-amd64" as 6, 18.
func parseRelease(rel string) (major, minor int, err error) {
	f := strings.FieldsFunc(rel, func(r rune) bool { return r == '.' || r == '-' || r == '+' })
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("want MAJOR.MINOR")
	}
	if major, err = strconv.Atoi(f[0]); err != nil {
		return 0, 0, err
	}
	if minor, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, err
	}
	return major, minor, nil
}
