// Command go-fixtures prints the tables that hold our Go-compatible JSON
// reading to Go's own behaviour, as JSON on stdout. Run it with the Go that
// runc 1.1.5 is built with (`runc --version` says go1.19.8; Debian 12's
// golang-go is 1.19.8):
//
//	cd scripts/go-fixtures
//	TZ=UTC go run . time   > ../../test/fixtures/go1.19/time.json
//	TZ=UTC go run . syntax > ../../test/fixtures/go1.19/syntax.json
//	go run . duration > ../../test/fixtures/go1.19/duration.json
//
// `time`: for each candidate `created` value (raw JSON text) or whole
// document, what runc's way of reading state.json — json.NewDecoder(f).Decode
// into a struct with a time.Time field, which calls time.Time.UnmarshalJSON,
// i.e. time.Parse(`"`+time.RFC3339+`"`, raw) — gives: the error, or the time
// as MarshalJSON writes it back (or MarshalJSON's error).
//
// `syntax`: for each candidate document, the error json.Decoder.Decode gives
// into an empty interface, or the value re-marshalled when there is none.
//
// `duration`: for each candidate, what time.ParseDuration (a DurationFlag
// such as `runc events --interval`) gives: nanoseconds or the error.
//
// `decode`: for each document on stdin (one JSON line `{"doc": <base64 of
// the bytes>}`), what runc's way of reading state.json gives when the state
// has this library's fields (the mirror types under `libcontainer/`,
// `configs/`, …): the error, `null` for a null document, or the state as
// json.Marshal writes it back. `decode-corpus.ts` makes the documents and
// turns the answers into test/fixtures/go1.19/decode.json:
//
//	npx tsx scripts/go-fixtures/decode-corpus.ts documents > /tmp/corpus.jsonl
//	(cd scripts/go-fixtures && go run . decode < /tmp/corpus.jsonl > /tmp/verdicts.jsonl)
//	npx tsx scripts/go-fixtures/decode-corpus.ts fixture /tmp/verdicts.jsonl > test/fixtures/go1.19/decode.json
//
// Not run in CI: the fixtures are committed.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"effect-libcontainer/scripts/go-fixtures/libcontainer"
)

type state struct {
	Created time.Time `json:"created"`
}

type timeRow struct {
	// The raw JSON text of the "created" member, in the document {"created":<value>}.
	Value *string `json:"value,omitempty"`
	// A whole document, for rows that need more than one member.
	Document *string `json:"document,omitempty"`
	// Decode's error, or null.
	Error *string `json:"error"`
	// MarshalJSON of the decoded time (JSON text, quotes included), or null.
	Marshaled *string `json:"marshaled"`
	// MarshalJSON's error, or null.
	MarshalError *string `json:"marshalError,omitempty"`
}

type syntaxRow struct {
	Document string  `json:"document"`
	Error    *string `json:"error"`
	// The value, re-marshalled, when decoding succeeded.
	Value *string `json:"value"`
}

// depthRow is a document of `Open` repeated `Times` times, then `Middle`, then `Close` repeated `Times` times.
type depthRow struct {
	Open   string  `json:"open"`
	Middle string  `json:"middle"`
	Close  string  `json:"close"`
	Times  int     `json:"times"`
	Error  *string `json:"error"`
}

type fixture[R any] struct {
	Go          string     `json:"go"`
	Description string     `json:"description"`
	Rows        []R        `json:"rows"`
	Depth       []depthRow `json:"depth,omitempty"`
}

func str(s string) *string { return &s }

func decodeTime(document string) timeRow {
	var s state
	row := timeRow{}
	if err := json.NewDecoder(strings.NewReader(document)).Decode(&s); err != nil {
		row.Error = str(err.Error())
		return row
	}
	b, err := s.Created.MarshalJSON()
	if err != nil {
		row.MarshalError = str(err.Error())
	} else {
		row.Marshaled = str(string(b))
	}
	return row
}

// jsonString writes s as a JSON string literal with only the escapes JSON
// requires, so the raw text differs from `"` + s + `"` exactly when s holds
// a quote, a backslash or a control character.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// timeStrings is the list of candidate timestamp texts: hand-picked edge
// cases, grids over every field and mutations of well-formed bases.
func timeStrings() []string {
	out := []string{
		"2026-11-29T10:48:00Z",
		"2026-11-29T10:48:00,5Z",
		"2026-11-29T10:48:00.5Z",
		"2026-11-29T10:07:59.89537064Z",
		"2026-11-29T10:07:59.895370640Z",
		"0001-01-01T00:00:00Z",
		"0000-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999999Z",
		"10000-01-01T00:00:00Z",
		"-0001-01-01T00:00:00Z",
		"+2026-11-29T10:48:00Z",
		"2026-11-29T10:48:.5Z",
		"2026-11-29T10:48:,5Z",
		"2026-11-29T10:48:5.5Z",
		"2026-11-29T10:48:00.Z",
		"2026-11-29T10:48:00,Z",
		"2026-11-29T10:48:00..5Z",
		"2026-11-29T10:48:00.5.5Z",
		"2026-11-29T10:48:00.-5Z",
		"2026-11-29T10:48:00.+5Z",
		"2026-11-29T10:48:00.5e3Z",
		"2026-11-29T10:48:60Z",
		"2026-11-29T10:48:59.999999999999Z",
		"2026-11-29T23:59:60Z",
		"2016-12-31T23:59:60Z",
		"2026-11-29T24:00:00Z",
		"2026-11-29t10:48:00Z",
		"2026-11-29T10:48:00z",
		"2026-11-29 10:48:00Z",
		"2026-11-29T10:48:00",
		"2026-11-29T10:48Z",
		"2026-11-29T10Z",
		"2026-11-29",
		"2026-11-29T",
		"2026-11T10:48:00Z",
		"2026T10:48:00Z",
		"",
		" ",
		"Z",
		"T",
		"2026",
		" 2026-11-29T10:48:00Z",
		"2026-11-29T10:48:00Z ",
		"2026-11-29T10:48:00 Z",
		"2026-11-29T 10:48:00Z",
		"2026-11-29T10:48:00Z\t",
		"\t2026-11-29T10:48:00Z",
		"2026-11-29T10:48:00Z\n",
		"2026-11-29T10:48:00ZZ",
		"2026-11-29T10:48:00Zjunk",
		"2026-11-29T10:48:00+01:00junk",
		"2026-11-29T10:48:00.5Zjunk",
		"2026/11/29T10:48:00Z",
		"2026-11-29T10.48.00Z",
		"2026-11-29T10:48:00\"Z",
		"2026-11-29T10:48:00\\Z",
		"2026-11-29T10:48:00\x00Z",
		"2026-11-29T10:48:00\x7fZ",
		"2026-11-29T10:48:00éZ",
		"2026-11-29T10:48:00😀Z",
		"２026-11-29T10:48:00Z",
		"2026-11-29T10:48:00\ufffdZ",
		"2026-11-29T10:48:00−01:00",
		"yesterday",
		"x",
		"now",
		"null",
		"0",
		"2026-02-29T00:00:00Z",
		"2024-02-29T00:00:00Z",
		"2100-02-29T00:00:00Z",
		"2000-02-29T00:00:00Z",
		"0000-02-29T00:00:00Z",
		"0004-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-06-31T00:00:00Z",
		"2026-09-31T00:00:00Z",
		"2026-11-31T00:00:00Z",
		"2026-12-31T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-13-01T00:00:00Z",
		"2026-11-00T00:00:00Z",
		"2026-11-32T00:00:00Z",
		"2026-1-29T10:48:00Z",
		"2026-11-9T10:48:00Z",
		"2026-11-29T1:48:00Z",
		"2026-11-29T1:4:00Z",
		"2026-11-29T10:4:00Z",
		"2026-11-29T10:48:0Z",
		"2026-11-29T100:48:00Z",
		"2026-11-29T99:48:00Z",
		"2026-11-29T10:99:00Z",
		"2026-11-29T10:48:99Z",
		"2026-13-32T25:61:61Z",
		"2026-02-30T24:00:00Z",
		"2026-02-30T10:00:00Z",
		"20a6-11-29T10:48:00Z",
		"2é26-11-29T10:48:00Z",
		"2026-1a-29T10:48:00Z",
		"2026-11-2aT10:48:00Z",
		"2026-11-29Ta0:48:00Z",
		"2026-11-29T10:a8:00Z",
		"2026-11-29T10:48:a0Z",
		"2026-11-29T10:48:00.a5Z",
		"9999-12-31T23:59:59-23:59",
		"9999-12-31T23:59:59+23:59",
		"0000-01-01T00:00:00+23:59",
		"0000-01-01T00:00:00-23:59",
		"0001-01-01T00:00:00+01:00",
		"0001-01-01T00:00:00-01:00",
	}
	bases := []string{
		"2026-11-29T10:48:00Z",
		"2026-11-29T10:48:00.123456789+05:30",
		"0001-01-01T00:00:00Z",
	}
	// fractions: either separator, 0 to 12 digits, several digit patterns
	for _, sep := range []string{".", ","} {
		for n := 0; n <= 12; n++ {
			for _, digits := range []string{"123456789012", "500000000000", "000000000000", "000000001000", "999999999999"} {
				for _, zone := range []string{"Z", "+02:00"} {
					out = append(out, "2026-11-29T10:48:00"+sep+digits[:n]+zone)
				}
			}
		}
	}
	// zone offsets
	zones := []string{
		"Z", "z", "+00:00", "-00:00", "+01:00", "-01:00", "+05:30", "-05:30", "+23:59", "-23:59",
		"+24:00", "-24:00", "+99:99", "-99:99", "+00:60", "+00:01", "-00:01", "+-1:00", "++1:00", "-+1:00",
		"+1:00", "+01:0", "+01:000", "+0100", "+01", "+01:00:00", "+01:00:", " +01:00", "+01:00 ",
		"+0a:00", "+01:0a", "+01-00", "+01.00", "+ 1:00", "+01: 0", "UTC", "GMT", "-", "+", "+01:",
		"Z+01:00", "+01:00Z", "+00:-1", "+00:+1", "-00:-1", "+-0:00", "+-9:59", "+9:00", "+ 9:00",
	}
	for _, z := range zones {
		for _, dt := range []string{"2026-11-29T10:48:00", "2026-11-29T10:48:00.5", "0000-01-01T00:00:00", "9999-12-31T23:59:59"} {
			out = append(out, dt+z)
		}
	}
	// date grid
	for _, y := range []string{"0000", "1900", "2000", "2023", "2024", "2100", "9999"} {
		for _, m := range []string{"00", "01", "02", "04", "06", "09", "11", "12", "13", "1"} {
			for _, d := range []string{"00", "01", "28", "29", "30", "31", "32", "1", "9"} {
				out = append(out, y+"-"+m+"-"+d+"T12:00:00Z")
			}
		}
	}
	// time grid
	for _, h := range []string{"0", "00", "1", "9", "09", "23", "24", "99", "123"} {
		for _, mi := range []string{"00", "59", "60", "5", "99"} {
			for _, s := range []string{"00", "59", "60", "61", "5", "99"} {
				out = append(out, "2026-11-29T"+h+":"+mi+":"+s+"Z")
			}
		}
	}
	// mutations of well-formed bases: every truncation, every deletion, substitutions at every position
	subs := []string{"0", "9", " ", "T", "t", "Z", "-", "+", ":", ".", ",", "x", "é", "\t", ""}
	for _, b := range bases {
		for i := 0; i <= len(b); i++ {
			out = append(out, b[:i])
		}
		for i := 0; i < len(b); i++ {
			for _, s := range subs {
				out = append(out, b[:i]+s+b[i+1:])
			}
			out = append(out, b[:i]+b[i:i+1]+b[i:])
		}
	}
	return out
}

// timeValues are raw JSON texts that are not plain string literals of the candidates.
var timeValues = []string{
	`null`, `0`, `-1`, `1.5`, `1e3`, `20261129`, `true`, `false`, `{}`, `[]`, `[1, 2]`, `{"a": 1}`,
	`{"created":"2026-11-29T10:48:00Z"}`, `["2026-11-29T10:48:00Z"]`, `""`, `"\""`, `"\\"`,
	`"\u0032026-11-29T10:48:00Z"`, `"2026-11-29T10:48:00\u002e5Z"`, `"2026-11-29T10:48:00Z\u0000"`,
	`"2026-11-29T10:48:00\/Z"`, `"2026\/11\/29T10:48:00Z"`, `"2026-11-29T10:48:00\tZ"`,
	`"2026-11-29T10:48:00Z\n"`, `"\ud800"`, `"2026-11-29T10:48:00\ud83d\ude00Z"`,
	`  "2026-11-29T10:48:00Z"  `, `"2026-11-29T10:48:00Z"  ,  "x": 1`,
}

// timeDocuments need more than one member: duplicates and case variants of the key.
var timeDocuments = []string{
	`{"created":"bad","created":"2026-11-29T10:48:00Z"}`,
	`{"created":"2026-11-29T10:48:00Z","created":"bad"}`,
	`{"created":"2026-11-29T10:48:00Z","created":null}`,
	`{"created":null,"created":"2026-11-29T10:48:00Z"}`,
	`{"created":"2026-11-29T10:48:00Z","created":"2027-01-01T00:00:00+01:00"}`,
	`{"Created":"2026-11-29T10:48:00Z"}`,
	`{"CREATED":"2026-11-29T10:48:00,5Z"}`,
	`{"cReAtEd":"bad"}`,
	`{"created":"2026-11-29T10:48:00Z","Created":"2027-01-01T00:00:00Z"}`,
	`{"Created":"2027-01-01T00:00:00Z","created":"2026-11-29T10:48:00Z"}`,
	`{"Created":"bad","created":"2026-11-29T10:48:00Z"}`,
	`{"cr\u0065ated":"2026-11-29T10:48:00Z"}`,
	`{"created ":"bad"}`,
	`{"other":"bad","created":"2026-11-29T10:48:00Z"}`,
	`{"created":"2026-11-29T10:48:00Z","x":[1,2,{"y":"z"}]}`,
	`{"x":{"created":"bad"},"created":"2026-11-29T10:48:00Z"}`,
	`{"created" : "2026-11-29T10:48:00Z" }`,
	`{"created":
	"2026-11-29T10:48:00Z"}`,
	`{}`,
	`{"created":"2026-11-29T10:48:00Z"} trailing`,
}

func timeTable() fixture[timeRow] {
	seen := map[string]bool{}
	var rows []timeRow
	add := func(value string) {
		if seen[value] {
			return
		}
		seen[value] = true
		row := decodeTime(`{"created":` + value + `}`)
		row.Value = str(value)
		rows = append(rows, row)
	}
	for _, s := range timeStrings() {
		add(jsonString(s))
	}
	for _, v := range timeValues {
		add(v)
	}
	for _, d := range timeDocuments {
		row := decodeTime(d)
		row.Document = str(d)
		rows = append(rows, row)
	}
	return fixture[timeRow]{
		Go:          runtime.Version(),
		Description: "time.Time in state.json as runc reads it: json.Decoder.Decode into struct{Created time.Time `json:\"created\"`}, then MarshalJSON",
		Rows:        rows,
	}
}

// syntaxDocuments are malformed or borderline JSON texts.
func syntaxDocuments() []string {
	docs := []string{
		``, ` `, "\n\t\r ", "\f", "\v", "\u00a0{}", "\ufeff{}", `{`, `}`, `[`, `]`, `{]`, `[}`, `{}`, `[]`, `{} x`, `[] ]`,
		`{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a" 1}`, `{"a":1 "b":2}`, `[1 2]`, `{a:1}`, `{'a':1}`,
		`{"a":tru}`, `{"a":trux}`, `{"a":fals}`, `{"a":nul}`, `{"a":nil}`, `{"a":True}`, `{"a":NaN}`, `{"a":Infinity}`,
		`{"a":-}`, `{"a":-x}`, `{"a":01}`, `{"a":1.}`, `{"a":1.x}`, `{"a":.5}`, `{"a":1e}`, `{"a":1e+}`, `{"a":1ex}`,
		`{"a":+1}`, `{"a":0x10}`, `{"a":1_000}`, `[-0, 0.0, 1E5, 1e-5, 1.5e+5]`, `123`, `123x`, `-`, `1.`, `1e`, `tru`,
		`"abc`, `"a\`, `"a\x"`, `"a\u12"`, `"a\u12x4"`, `"a\u00e9"`, `"tab	in"`, "\"nl\nin\"", "\"\x01\"", `"\'"`,
		`"é"`, `é`, `{"é":1}`, `{é}`, `[é]`, `{"a":1}é`, `[1]é`, "{\"a\":\"\x7f\"}", `{"a":"\ud800"}`,
		`{"a":"\ud83d\ude00"}`, `{"a":"\ud83d\ud83d\ude00"}`, `{"a":"\udc00\ud800"}`, `{"a":"\ud800\u0041"}`,
		`{"a":1,"a":2}`, `{"__proto__":1}`, `[1,[2,[3,[4]]]]`, `{"a":{"b":{"c":{}}}}`, `{"a" : [ 1 , 2 ] , "b" : { } }`,
		`[1]]`, `{}}`, `[1]x`, `nullx`, `null`, `true`, `false`, `""`, `"x"`, `[1,2`, `{"a":[1,2`, `{"a":"b`,
		`{"a":1}` + "\x00garbage", `\u005b]`, `{"a\u0000b":1}`, `{"a":"\/\b\f\n\r\t\"\\"}`, `1 2`, `[1,,2]`,
		"[\x1f]", "{\"a\":\x7f}", `{"a":-01}`, `{"a":-0.0e-0}`, `{"a":1E400}`, `{"a":123456789012345678901234567890}`,
	}
	return docs
}

func syntaxError(d string) (*string, *string) {
	var v any
	if err := json.NewDecoder(strings.NewReader(d)).Decode(&v); err != nil {
		return str(err.Error()), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, str("marshal error: " + err.Error())
	}
	return nil, str(string(b))
}

func depthRows() []depthRow {
	var rows []depthRow
	shapes := []depthRow{
		{Open: "[", Close: "]"},
		{Open: `{"a":`, Middle: "1", Close: "}"},
		{Open: `[{"a":`, Middle: "1", Close: "}]"},
		{Open: "["},
		{Open: `{"a":[`, Middle: "{}", Close: "]}"},
	}
	for _, shape := range shapes {
		for _, times := range []int{4999, 5000, 5001, 9999, 10000, 10001, 100000} {
			row := shape
			row.Times = times
			d := strings.Repeat(row.Open, times) + row.Middle + strings.Repeat(row.Close, times)
			row.Error, _ = syntaxError(d)
			rows = append(rows, row)
		}
	}
	return rows
}

func syntaxTable() fixture[syntaxRow] {
	var rows []syntaxRow
	for _, d := range syntaxDocuments() {
		row := syntaxRow{Document: d}
		row.Error, row.Value = syntaxError(d)
		rows = append(rows, row)
	}
	return fixture[syntaxRow]{
		Go:          runtime.Version(),
		Description: "json.Decoder.Decode into interface{} (runc reads state.json and config.json with a Decoder): the syntax error, or the value re-marshalled",
		Rows:        rows,
		Depth:       depthRows(),
	}
}

// marshal is json.Marshal without HTML escaping and without the trailing newline.
func marshal(v any) (string, error) {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// lines writes a list with one element per line.
func lines[R any](rows []R) (string, error) {
	parts := make([]string, 0, len(rows))
	for _, r := range rows {
		text, err := marshal(r)
		if err != nil {
			return "", err
		}
		parts = append(parts, text)
	}
	return "[\n" + strings.Join(parts, ",\n") + "]", nil
}

// writeCompact writes a fixture with one row per line, so the committed
// fixtures diff line by line.
func writeCompact[R any](w *os.File, f fixture[R]) error {
	goVersion, err := marshal(f.Go)
	if err != nil {
		return err
	}
	description, err := marshal(f.Description)
	if err != nil {
		return err
	}
	rows, err := lines(f.Rows)
	if err != nil {
		return err
	}
	text := `{"go":` + goVersion + `,"description":` + description + `,"rows":` + rows
	if len(f.Depth) > 0 {
		depth, err := lines(f.Depth)
		if err != nil {
			return err
		}
		text += `,"depth":` + depth
	}
	_, err = fmt.Fprintln(w, text+"}")
	return err
}

type decodeInput struct {
	Doc []byte `json:"doc"`
}

type decodeVerdict struct {
	Error        *string `json:"error,omitempty"`
	Null         bool    `json:"null,omitempty"`
	Value        *string `json:"value,omitempty"`
	MarshalError *string `json:"marshalError,omitempty"`
}

// decodeVerdicts answers, line by line, how runc's loadState reads each document.
func decodeVerdicts(in io.Reader, out io.Writer) error {
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 0, 1<<20), 1<<26)
	w := bufio.NewWriter(out)
	defer w.Flush()
	for scanner.Scan() {
		var input decodeInput
		if err := json.Unmarshal(scanner.Bytes(), &input); err != nil {
			return err
		}
		var verdict decodeVerdict
		var state *libcontainer.State
		if err := json.NewDecoder(bytes.NewReader(input.Doc)).Decode(&state); err != nil {
			verdict.Error = str(err.Error())
		} else if state == nil {
			verdict.Null = true
		} else if b, err := json.Marshal(state); err != nil {
			verdict.MarshalError = str(err.Error())
		} else {
			verdict.Value = str(string(b))
		}
		line, err := json.Marshal(verdict)
		if err != nil {
			return err
		}
		w.Write(append(line, '\n'))
	}
	return scanner.Err()
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-fixtures time|syntax|decode|duration")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "time":
		err = writeCompact(os.Stdout, timeTable())
	case "syntax":
		err = writeCompact(os.Stdout, syntaxTable())
	case "decode":
		err = decodeVerdicts(os.Stdin, os.Stdout)
	case "duration":
		err = writeCompact(os.Stdout, durationTable())
	default:
		fmt.Fprintln(os.Stderr, "usage: go-fixtures time|syntax|decode|duration")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
