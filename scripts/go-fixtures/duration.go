package main

import (
	"math/rand"
	"runtime"
	"strconv"
	"time"
)

// durationRow is what time.ParseDuration (the DurationFlag of `runc events
// --interval`) answers for one input: the nanoseconds, or the error.
type durationRow struct {
	Input string  `json:"input"`
	Nanos *string `json:"nanos"`
	Error *string `json:"error"`
}

func durationTable() fixture[durationRow] {
	inputs := []string{
		"", "0", "-0", "+0", "5s", "-5s", "+5s", "30s", "1478s", "5.0s", "5.6s", "5.s", ".5s", "1.0s", "1.00s",
		"1.004s", "1.0040s", "100.00100s", "10ns", "11us", "12\u00b5s", "12\u03bcs", "13ms", "14s", "15m", "16h",
		"3h30m", "10.5s4m", "-2m3.4s", "1h2m3s4ms5us6ns", "39h9m14.425s", "52763797000ns", "0.3333333333333333333h",
		"9007199254740993ns", "9223372036854775807ns", "9223372036854775.807us", "9223372036s854ms775us807ns",
		"-9223372036854775808ns", "-9223372036854775.808us", "-9223372036s854ms775us808ns",
		"-2562047h47m16.854775808s", "0.100000000000000000000h", "0.830103483285477580700h",
		"3", "-", "s", ".", "-.", ".s", "+.s", "1d", "\x85\x85", "\xffff", "hello \xffff world", "9223372036854775810ns",
		"9223372036854775808ns", "-9223372036854775809ns", "9223372036854776us", "3000000h", "9223372036854775.808us",
		"9223372036854ms775us808ns", "1s1", "1.2.3s", "1e3s", "1 s", " 1s", "1s ", "1_000s", "0x10s", "1S", "1Ms",
		"00001s", "1.s.s", "99999999999999999999999999999h", "0.00000000000000000000000000001s", "-1ns", "1ns-1ns",
	}
	r := rand.New(rand.NewSource(18))
	alphabet := []string{"0", "1", "9", ".", "-", "+", "n", "s", "u", "\u00b5", "\u03bc", "m", "h", "x", " ", "5", "0"}
	for i := 0; i < 600; i++ {
		n := 1 + r.Intn(9)
		s := ""
		for j := 0; j < n; j++ {
			s += alphabet[r.Intn(len(alphabet))]
		}
		inputs = append(inputs, s)
	}
	seen := map[string]bool{}
	var rows []durationRow
	for _, input := range inputs {
		if seen[input] {
			continue
		}
		seen[input] = true
		d, err := time.ParseDuration(input)
		row := durationRow{Input: input}
		if err != nil {
			row.Error = str(err.Error())
		} else {
			row.Nanos = str(strconv.FormatInt(int64(d), 10))
		}
		rows = append(rows, row)
	}
	return fixture[durationRow]{
		Go:          runtime.Version(),
		Description: "time.ParseDuration(input): nanoseconds, or the error text",
		Rows:        rows,
	}
}
