// Command runc-golden runs runc 1.1.5's own cgroup code over test inputs and
// prints what it returns, so the TypeScript ports can be checked against it.
// It is built inside a runc v1.1.5 source tree (see ../runc-golden.sh); it is
// never run in CI. Input and output are JSON (see the types below).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"github.com/opencontainers/runc/libcontainer/cgroups"
	"github.com/opencontainers/runc/libcontainer/cgroups/fs"
	"github.com/opencontainers/runc/libcontainer/cgroups/fs2"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/types"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// fixtureRoot is where error texts say the fixture lives, whatever temporary
// directory it was written to.
const fixtureRoot = "/fixture"

// statsCase is a cgroup to read: the directories that exist, the files in
// them, and subsystems whose path is set but does not exist. A file's content
// is a string, or a list of strings and [string, count] repetitions.
type statsCase struct {
	Name     string                     `json:"name"`
	Driver   string                     `json:"driver"`
	Dirs     []string                   `json:"dirs"`
	Missing  []string                   `json:"missing"`
	Files    map[string]json.RawMessage `json:"files"`
	Rootless bool                       `json:"rootless"`
}

func content(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []json.RawMessage
	must(json.Unmarshal(raw, &parts))
	var b strings.Builder
	for _, p := range parts {
		if json.Unmarshal(p, &s) == nil {
			b.WriteString(s)
			continue
		}
		var rep []json.RawMessage
		must(json.Unmarshal(p, &rep))
		var n int
		must(json.Unmarshal(rep[0], &s))
		must(json.Unmarshal(rep[1], &n))
		b.WriteString(strings.Repeat(s, n))
	}
	return b.String()
}

type input struct {
	Stats      []statsCase `json:"stats"`
	RAMInBytes []string    `json:"ramInBytes"`
	ParseUint  []struct {
		S    string `json:"s"`
		Base int    `json:"base"`
		Bits int    `json:"bits"`
	} `json:"parseUint"`
	Resources []string   `json:"resources"`
	Shares    []uint64   `json:"shares"`
	Weights   []uint16   `json:"weights"`
	Swaps     [][2]int64 `json:"swaps"`
}

type statsResult struct {
	Name  string          `json:"name"`
	Error *string         `json:"error"`
	Nil   bool            `json:"nil"`
	Numa  json.RawMessage `json:"numa,omitempty"`
	Rdma  json.RawMessage `json:"rdma,omitempty"`
	Event string          `json:"event,omitempty"`
}

type numResult struct {
	Value string  `json:"value"`
	Error *string `json:"error"`
}

type output struct {
	HugePageSizes []string          `json:"hugePageSizes"`
	Stats         []statsResult     `json:"stats"`
	RAMInBytes    []numResult       `json:"ramInBytes"`
	ParseUint     []numResult       `json:"parseUint"`
	Resources     []json.RawMessage `json:"resources"`
	Shares        []string          `json:"shares"`
	Weights       []string          `json:"weights"`
	Swaps         []numResult       `json:"swaps"`
}

func errText(err error, tmp string) *string {
	if err == nil {
		return nil
	}
	s := strings.ReplaceAll(err.Error(), tmp, fixtureRoot)
	return &s
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func memoryEntry(d cgroups.MemoryData) types.MemoryEntry {
	return types.MemoryEntry{Limit: d.Limit, Usage: d.Usage, Max: d.MaxUsage, Failcnt: d.Failcnt}
}

func blkio(in []cgroups.BlkioStatEntry) []types.BlkioEntry {
	var out []types.BlkioEntry
	for _, e := range in {
		out = append(out, types.BlkioEntry(e))
	}
	return out
}

// toEvent is runc's events conversion for a container without Intel RDT or
// networks, written out field by field.
func toEvent(cg *cgroups.Stats) string {
	var s types.Stats
	s.Pids.Current = cg.PidsStats.Current
	s.Pids.Limit = cg.PidsStats.Limit
	u := cg.CpuStats.CpuUsage
	s.CPU.Usage = types.CpuUsage{
		Total: u.TotalUsage, Percpu: u.PercpuUsage, PercpuKernel: u.PercpuUsageInKernelmode,
		PercpuUser: u.PercpuUsageInUsermode, Kernel: u.UsageInKernelmode, User: u.UsageInUsermode,
	}
	t := cg.CpuStats.ThrottlingData
	s.CPU.Throttling = types.Throttling{Periods: t.Periods, ThrottledPeriods: t.ThrottledPeriods, ThrottledTime: t.ThrottledTime}
	s.CPUSet = types.CPUSet(cg.CPUSetStats)
	m := cg.MemoryStats
	s.Memory = types.Memory{
		Cache: m.Cache, Usage: memoryEntry(m.Usage), Swap: memoryEntry(m.SwapUsage),
		Kernel: memoryEntry(m.KernelUsage), KernelTCP: memoryEntry(m.KernelTCPUsage), Raw: m.Stats,
	}
	b := cg.BlkioStats
	// fs2 reads io.stat through a Go map: sort devices so the output is stable.
	for _, list := range []*[]cgroups.BlkioStatEntry{&b.IoServiceBytesRecursive, &b.IoServicedRecursive} {
		sort.SliceStable(*list, func(i, j int) bool {
			a, c := (*list)[i], (*list)[j]
			if a.Major != c.Major {
				return a.Major < c.Major
			}
			return a.Minor < c.Minor
		})
	}
	s.Blkio = types.Blkio{
		IoServiceBytesRecursive: blkio(b.IoServiceBytesRecursive), IoServicedRecursive: blkio(b.IoServicedRecursive),
		IoQueuedRecursive: blkio(b.IoQueuedRecursive), IoServiceTimeRecursive: blkio(b.IoServiceTimeRecursive),
		IoWaitTimeRecursive: blkio(b.IoWaitTimeRecursive), IoMergedRecursive: blkio(b.IoMergedRecursive),
		IoTimeRecursive: blkio(b.IoTimeRecursive), SectorsRecursive: blkio(b.SectorsRecursive),
	}
	s.Hugetlb = map[string]types.Hugetlb{}
	for k, v := range cg.HugetlbStats {
		s.Hugetlb[k] = types.Hugetlb{Usage: v.Usage, Max: v.MaxUsage, Failcnt: v.Failcnt}
	}
	var buf bytes.Buffer
	must(json.NewEncoder(&buf).Encode(&types.Event{Type: "stats", ID: "golden", Data: &s}))
	return buf.String()
}

func runStats(c statsCase) statsResult {
	tmp, err := os.MkdirTemp("", "runc-golden-")
	must(err)
	defer os.RemoveAll(tmp)
	for _, d := range c.Dirs {
		must(os.MkdirAll(filepath.Join(tmp, d), 0o755))
	}
	for name, raw := range c.Files {
		must(os.MkdirAll(filepath.Dir(filepath.Join(tmp, name)), 0o755))
		must(os.WriteFile(filepath.Join(tmp, name), []byte(content(raw)), 0o644))
	}
	var st *cgroups.Stats
	switch c.Driver {
	case "v1":
		paths := map[string]string{}
		for _, d := range append(c.Dirs, c.Missing...) {
			paths[d] = filepath.Join(tmp, d)
		}
		m, err := fs.NewManager(&configs.Cgroup{Resources: &configs.Resources{}}, paths)
		must(err)
		st, err = m.GetStats()
		res := statsResult{Name: c.Name, Error: errText(err, tmp)}
		return finish(res, st)
	case "v2":
		m, err := fs2.NewManager(&configs.Cgroup{Rootless: c.Rootless}, tmp)
		must(err)
		st, err = m.GetStats()
		res := statsResult{Name: c.Name, Error: errText(err, tmp)}
		return finish(res, st)
	}
	panic("unknown driver " + c.Driver)
}

func finish(res statsResult, st *cgroups.Stats) statsResult {
	if st == nil {
		res.Nil = true
		return res
	}
	numa, err := json.Marshal(st.MemoryStats.PageUsageByNUMA)
	must(err)
	rdma, err := json.Marshal(st.RdmaStats)
	must(err)
	res.Numa, res.Rdma, res.Event = numa, rdma, toEvent(st)
	return res
}

func i64Ptr(i int64) *int64   { return &i }
func u64Ptr(i uint64) *uint64 { return &i }
func u16Ptr(i uint16) *uint16 { return &i }

// decodeResources reads a `runc update -r` document into the same
// pre-filled value runc 1.1.5's update command decodes into, and reports the
// error or the values runc then reads (null for a pointer left nil).
func decodeResources(in string) json.RawMessage {
	r := specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: i64Ptr(0), Reservation: i64Ptr(0), Swap: i64Ptr(0), Kernel: i64Ptr(0), KernelTCP: i64Ptr(0)},
		CPU: &specs.LinuxCPU{Shares: u64Ptr(0), Quota: i64Ptr(0), Period: u64Ptr(0), RealtimeRuntime: i64Ptr(0), RealtimePeriod: u64Ptr(0)},
		BlockIO: &specs.LinuxBlockIO{Weight: u16Ptr(0)},
		Pids:    &specs.LinuxPids{Limit: 0},
	}
	if err := json.NewDecoder(strings.NewReader(in)).Decode(&r); err != nil {
		out, _ := json.Marshal(map[string]string{"error": err.Error()})
		return out
	}
	i64 := func(p *int64) *string {
		if p == nil {
			return nil
		}
		s := strconv.FormatInt(*p, 10)
		return &s
	}
	u64 := func(p *uint64) *string {
		if p == nil {
			return nil
		}
		s := strconv.FormatUint(*p, 10)
		return &s
	}
	view := map[string]interface{}{}
	if r.Memory != nil {
		view["memory"] = map[string]*string{
			"limit": i64(r.Memory.Limit), "reservation": i64(r.Memory.Reservation), "swap": i64(r.Memory.Swap),
			"kernel": i64(r.Memory.Kernel), "kernelTCP": i64(r.Memory.KernelTCP),
		}
	} else {
		view["memory"] = nil
	}
	if r.CPU != nil {
		view["cpu"] = map[string]interface{}{
			"shares": u64(r.CPU.Shares), "quota": i64(r.CPU.Quota), "period": u64(r.CPU.Period),
			"realtimeRuntime": i64(r.CPU.RealtimeRuntime), "realtimePeriod": u64(r.CPU.RealtimePeriod),
			"cpus": r.CPU.Cpus, "mems": r.CPU.Mems,
		}
	} else {
		view["cpu"] = nil
	}
	if r.BlockIO != nil {
		var w *string
		if r.BlockIO.Weight != nil {
			s := strconv.FormatUint(uint64(*r.BlockIO.Weight), 10)
			w = &s
		}
		view["blockIO"] = map[string]*string{"weight": w}
	} else {
		view["blockIO"] = nil
	}
	if r.Pids != nil {
		view["pids"] = map[string]string{"limit": strconv.FormatInt(r.Pids.Limit, 10)}
	} else {
		view["pids"] = nil
	}
	view["unified"] = r.Unified
	out, err := json.Marshal(view)
	must(err)
	return out
}

// setCase is a cgroup and the resources to Set on it: the files that exist
// before (current limits, cgroup.controllers, io.bfq.weight…) and the
// subsystems given a directory (v1).
type setCase struct {
	Name      string            `json:"name"`
	Driver    string            `json:"driver"`
	Dirs      []string          `json:"dirs"`
	Files     map[string]string `json:"files"`
	Resources json.RawMessage   `json:"resources"`
}

// runSet applies case index of the set cases in file, for strace to watch:
// it prints the temporary directory and runc's error.
func runSet(file string, index int) {
	data, err := os.ReadFile(file)
	must(err)
	var cases []setCase
	must(json.Unmarshal(data, &cases))
	c := cases[index]
	tmp, err := os.MkdirTemp("", "runc-golden-set-")
	must(err)
	defer os.RemoveAll(tmp)
	for _, d := range c.Dirs {
		must(os.MkdirAll(filepath.Join(tmp, d), 0o755))
	}
	for name, content := range c.Files {
		must(os.MkdirAll(filepath.Dir(filepath.Join(tmp, name)), 0o755))
		must(os.WriteFile(filepath.Join(tmp, name), []byte(content), 0o644))
	}
	var r configs.Resources
	must(json.Unmarshal(c.Resources, &r))
	r.SkipDevices = true
	// The tracer counts writes from the first open of this file on.
	must(os.WriteFile(filepath.Join(tmp, ".set-begins"), nil, 0o644))
	cgroups.TestMode = true
	switch c.Driver {
	case "v1":
		paths := map[string]string{}
		for _, d := range c.Dirs {
			paths[d] = filepath.Join(tmp, d)
		}
		m, err := fs.NewManager(&configs.Cgroup{Resources: &configs.Resources{}}, paths)
		must(err)
		err = m.Set(&r)
		swap := r.MemorySwap
		out, _ := json.Marshal(map[string]interface{}{"dir": tmp, "error": errText(err, tmp), "memorySwap": strconv.FormatInt(swap, 10)})
		fmt.Println(string(out))
	case "v2":
		m, err := fs2.NewManager(&configs.Cgroup{Resources: &configs.Resources{}}, tmp)
		must(err)
		err = m.Set(&r)
		out, _ := json.Marshal(map[string]interface{}{"dir": tmp, "error": errText(err, tmp)})
		fmt.Println(string(out))
	}
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "set" {
		index, err := strconv.Atoi(os.Args[3])
		must(err)
		runSet(os.Args[2], index)
		return
	}
	var in input
	must(json.NewDecoder(os.Stdin).Decode(&in))
	cgroups.TestMode = true
	out := output{HugePageSizes: cgroups.HugePageSizes()}
	for _, c := range in.Stats {
		out.Stats = append(out.Stats, runStats(c))
	}
	for _, s := range in.RAMInBytes {
		v, err := units.RAMInBytes(s)
		out.RAMInBytes = append(out.RAMInBytes, numResult{Value: strconv.FormatInt(v, 10), Error: errText(err, "\x00")})
	}
	for _, p := range in.ParseUint {
		v, err := strconv.ParseUint(p.S, p.Base, p.Bits)
		out.ParseUint = append(out.ParseUint, numResult{Value: strconv.FormatUint(v, 10), Error: errText(err, "\x00")})
	}
	for _, r := range in.Resources {
		out.Resources = append(out.Resources, decodeResources(r))
	}
	for _, s := range in.Shares {
		out.Shares = append(out.Shares, strconv.FormatUint(cgroups.ConvertCPUSharesToCgroupV2Value(s), 10))
	}
	for _, w := range in.Weights {
		out.Weights = append(out.Weights, strconv.FormatUint(cgroups.ConvertBlkIOToIOWeightValue(w), 10))
	}
	for _, s := range in.Swaps {
		v, err := cgroups.ConvertMemorySwapToCgroupV2Value(s[0], s[1])
		out.Swaps = append(out.Swaps, numResult{Value: strconv.FormatInt(v, 10), Error: errText(err, "\x00")})
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	must(enc.Encode(out))
	fmt.Fprintln(os.Stderr, "runc-golden: done")
}
