// Command flyte-check runs Flyte's own compiler (flytepropeller v1.16.8) over what tflyte-sandbox
// registers, as a second judge of our compiler.
//
// Input: directories or .tgz archives in the format of `pyflyte package` / `tflyte-sandbox
// package` (`*_1.pb` admin.TaskSpec, `*_2.pb` admin.WorkflowSpec, `*_3.pb` admin.LaunchPlan),
// plus, for the comparison, our own results beside them:
//
//	NAME_2.closure.pb        core.CompiledWorkflowClosure our compiler made of NAME_2.pb
//	NAME.futures.pb          core.DynamicJobSpec a dynamic task wrote (futures.pb)
//	NAME.futures.parent.pb   core.TaskTemplate of that dynamic task
//	NAME.futures.closure.pb  core.CompiledWorkflowClosure our engine compiled from it
//
// For every task it runs compiler.CompileTask; for every workflow (and every futures file, built
// into a workflow as propeller's dynamic handler does) compiler.GetRequirements,
// compiler.CompileWorkflow with the package's tasks and launch-plan interfaces, and
// transformers/k8s.BuildFlyteWorkflow. It prints every error, and every difference between
// Flyte's closure and ours (connections and the order of nodes, tasks and sub-workflows aside)
// that known-differences.json does not explain. Exit status 1 if there is any.
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/flyteorg/flyte/flyteidl/gen/pb-go/flyteidl/admin"
	"github.com/flyteorg/flyte/flyteidl/gen/pb-go/flyteidl/core"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler/common"
	"github.com/flyteorg/flyte/flytepropeller/pkg/compiler/transformers/k8s"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type entry struct {
	name string
	data []byte
}

// knownDifference is one difference between Flyte's closure and ours that we keep on purpose.
type knownDifference struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	re     *regexp.Regexp
}

type checker struct {
	tasks       map[string]*core.TaskTemplate
	taskOrder   []string
	compiled    map[string]*core.CompiledTask
	workflows   map[string]*admin.WorkflowSpec
	wfOrder     []string
	ours        map[string]*core.CompiledWorkflowClosure
	launchPlans map[string]*admin.LaunchPlan
	futures     map[string]*core.DynamicJobSpec
	parents     map[string]*core.TaskTemplate
	known       []knownDifference
	errors      []string
	explained   map[string]int
	unexplained []string
	verbose     bool
}

func key(id *core.Identifier) string {
	return fmt.Sprintf("%s/%s/%s/%s", id.GetProject(), id.GetDomain(), id.GetName(), id.GetVersion())
}

func (c *checker) fail(format string, args ...any) {
	c.errors = append(c.errors, fmt.Sprintf(format, args...))
}

func readInputs(paths []string) ([]entry, error) {
	var out []entry
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		switch {
		case st.IsDir():
			err = filepath.WalkDir(p, func(f string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || !strings.HasSuffix(f, ".pb") {
					return err
				}
				b, err := os.ReadFile(f)
				if err == nil {
					out = append(out, entry{name: f, data: b})
				}
				return err
			})
		case strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz"):
			err = readTgz(p, &out)
		default:
			var b []byte
			b, err = os.ReadFile(p)
			out = append(out, entry{name: p, data: b})
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func readTgz(p string, out *[]entry) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg || !strings.HasSuffix(h.Name, ".pb") {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return err
		}
		*out = append(*out, entry{name: p + "!" + h.Name, data: b})
	}
}

func (c *checker) load(entries []entry) {
	for _, e := range entries {
		base := e.name
		var err error
		switch {
		case strings.HasSuffix(base, ".futures.parent.pb"):
			t := &core.TaskTemplate{}
			if err = proto.Unmarshal(e.data, t); err == nil {
				c.parents[strings.TrimSuffix(base, ".futures.parent.pb")] = t
			}
		case strings.HasSuffix(base, ".futures.closure.pb"):
			cl := &core.CompiledWorkflowClosure{}
			if err = proto.Unmarshal(e.data, cl); err == nil {
				c.ours[strings.TrimSuffix(base, ".futures.closure.pb")+".futures"] = cl
			}
		case strings.HasSuffix(base, ".futures.pb"):
			s := &core.DynamicJobSpec{}
			if err = proto.Unmarshal(e.data, s); err == nil {
				c.futures[strings.TrimSuffix(base, ".futures.pb")] = s
			}
		case strings.HasSuffix(base, "_2.closure.pb"):
			cl := &core.CompiledWorkflowClosure{}
			if err = proto.Unmarshal(e.data, cl); err == nil {
				c.ours[strings.TrimSuffix(base, ".closure.pb")] = cl
			}
		case strings.HasSuffix(base, "_1.pb"):
			s := &admin.TaskSpec{}
			if err = proto.Unmarshal(e.data, s); err == nil {
				k := key(s.GetTemplate().GetId())
				if _, dup := c.tasks[k]; !dup {
					c.taskOrder = append(c.taskOrder, k)
				}
				c.tasks[k] = s.GetTemplate()
			}
		case strings.HasSuffix(base, "_2.pb"):
			s := &admin.WorkflowSpec{}
			if err = proto.Unmarshal(e.data, s); err == nil {
				c.workflows[strings.TrimSuffix(base, ".pb")] = s
				c.wfOrder = append(c.wfOrder, strings.TrimSuffix(base, ".pb"))
			}
		case strings.HasSuffix(base, "_3.pb"):
			lp := &admin.LaunchPlan{}
			if err = proto.Unmarshal(e.data, lp); err == nil {
				c.launchPlans[key(lp.GetId())] = lp
			}
		default:
			continue
		}
		if err != nil {
			c.fail("%s: cannot decode: %v", e.name, err)
		}
	}
}

func (c *checker) compileTasks() {
	for _, k := range c.taskOrder {
		ct, err := compiler.CompileTask(c.tasks[k])
		if err != nil {
			c.fail("task %s: %v", k, err)
			continue
		}
		c.compiled[k] = ct
	}
}

// launchPlanInterfaces fills each launch plan's expected inputs and outputs from its workflow, as
// flyteadmin does when it creates one (a packaged LaunchPlan carries only its id and spec).
func (c *checker) launchPlanInterfaces() {
	byID := map[string]*core.WorkflowTemplate{}
	for _, w := range c.workflows {
		byID[key(w.GetTemplate().GetId())] = w.GetTemplate()
	}
	for k, lp := range c.launchPlans {
		if lp.GetClosure().GetExpectedInputs() != nil && lp.GetClosure().GetExpectedOutputs() != nil {
			continue
		}
		wf := byID[key(lp.GetSpec().GetWorkflowId())]
		if wf == nil {
			c.fail("launch plan %s: its workflow %s is not in the package", k, key(lp.GetSpec().GetWorkflowId()))
			continue
		}
		params := map[string]*core.Parameter{}
		fixed := lp.GetSpec().GetFixedInputs().GetLiterals()
		for name, v := range wf.GetInterface().GetInputs().GetVariables() {
			if _, isFixed := fixed[name]; isFixed {
				continue
			}
			p := &core.Parameter{Var: v, Behavior: &core.Parameter_Required{Required: true}}
			if d, ok := lp.GetSpec().GetDefaultInputs().GetParameters()[name]; ok && d.GetDefault() != nil {
				p = &core.Parameter{Var: v, Behavior: &core.Parameter_Default{Default: d.GetDefault()}}
			}
			params[name] = p
		}
		if lp.Closure == nil {
			lp.Closure = &admin.LaunchPlanClosure{}
		}
		lp.Closure.ExpectedInputs = &core.ParameterMap{Parameters: params}
		lp.Closure.ExpectedOutputs = wf.GetInterface().GetOutputs()
	}
}

func (c *checker) requirements(what string, wf *core.WorkflowTemplate, subs []*core.WorkflowTemplate, extra []*core.CompiledTask) ([]*core.CompiledTask, []common.InterfaceProvider, bool) {
	reqs, err := compiler.GetRequirements(wf, subs)
	if err != nil {
		c.fail("%s: requirements: %v", what, err)
		return nil, nil, false
	}
	have := map[string]*core.CompiledTask{}
	for _, t := range extra {
		have[key(t.GetTemplate().GetId())] = t
	}
	// Flyte's compiler wants a list, even an empty one (admin passes one).
	tasks := []*core.CompiledTask{}
	ok := true
	for _, id := range reqs.GetRequiredTaskIds() {
		k := key(id)
		t := have[k]
		if t == nil {
			t = c.compiled[k]
		}
		if t == nil {
			c.fail("%s: task %s is not in the package (or did not compile)", what, k)
			ok = false
			continue
		}
		tasks = append(tasks, t)
	}
	var lps []common.InterfaceProvider
	for _, id := range reqs.GetRequiredLaunchPlanIds() {
		lp := c.launchPlans[key(id)]
		if lp == nil {
			c.fail("%s: launch plan %s is not in the package", what, key(id))
			ok = false
			continue
		}
		lps = append(lps, compiler.NewLaunchPlanInterfaceProvider(lp))
	}
	return tasks, lps, ok
}

func (c *checker) compileAndBuild(what string, wf *core.WorkflowTemplate, subs []*core.WorkflowTemplate, extra []*core.CompiledTask) *core.CompiledWorkflowClosure {
	tasks, lps, ok := c.requirements(what, wf, subs, extra)
	if !ok {
		return nil
	}
	closure, err := compiler.CompileWorkflow(wf, subs, tasks, lps)
	if err != nil {
		c.fail("%s: CompileWorkflow: %v", what, err)
		return nil
	}
	execID := &core.WorkflowExecutionIdentifier{Project: wf.GetId().GetProject(), Domain: wf.GetId().GetDomain(), Name: "flytecheck"}
	// BuildFlyteWorkflow strips interface metadata from the closure it is given: give it a copy,
	// and compare what CompileWorkflow made (what admin stores) with ours.
	if _, err := k8s.BuildFlyteWorkflow(proto.Clone(closure).(*core.CompiledWorkflowClosure), sampleInputs(wf.GetInterface().GetInputs()), execID, "flytesnacks-development"); err != nil {
		c.fail("%s: BuildFlyteWorkflow: %v", what, err)
	}
	return closure
}

func (c *checker) checkWorkflows() {
	for _, name := range c.wfOrder {
		spec := c.workflows[name]
		closure := c.compileAndBuild("workflow "+key(spec.GetTemplate().GetId())+" ("+filepath.Base(name)+".pb)", spec.GetTemplate(), spec.GetSubWorkflows(), nil)
		if closure != nil && c.ours[name] != nil {
			c.compare(filepath.Base(name), closure, c.ours[name])
		}
	}
}

// checkFutures builds each futures file into a workflow as propeller's dynamic handler does
// (the parent task's outputs as interface, the spec's nodes and outputs) and compiles it with
// the spec's own tasks.
func (c *checker) checkFutures() {
	names := make([]string, 0, len(c.futures))
	for n := range c.futures {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		spec := c.futures[n]
		parent := c.parents[n]
		what := "futures " + filepath.Base(n)
		if parent == nil {
			c.fail("%s: no %s.futures.parent.pb (the dynamic task's template) beside it", what, filepath.Base(n))
			continue
		}
		var extra []*core.CompiledTask
		for _, t := range spec.GetTasks() {
			ct, err := compiler.CompileTask(t)
			if err != nil {
				c.fail("%s: task %s: %v", what, key(t.GetId()), err)
				continue
			}
			extra = append(extra, ct)
		}
		wf := &core.WorkflowTemplate{
			Id:        &core.Identifier{ResourceType: core.ResourceType_WORKFLOW, Project: parent.GetId().GetProject(), Domain: parent.GetId().GetDomain(), Name: "dynamic_check", Version: "check"},
			Interface: &core.TypedInterface{Outputs: parent.GetInterface().GetOutputs()},
			Nodes:     spec.GetNodes(),
			Outputs:   spec.GetOutputs(),
		}
		closure := c.compileAndBuild(what, wf, spec.GetSubworkflows(), extra)
		if closure != nil && c.ours[n+".futures"] != nil {
			c.compare(filepath.Base(n)+".futures", closure, c.ours[n+".futures"])
		}
	}
}

// sampleInputs gives every input a value of its type, as admin hands BuildFlyteWorkflow the
// execution's inputs.
func sampleInputs(vars *core.VariableMap) *core.LiteralMap {
	m := &core.LiteralMap{Literals: map[string]*core.Literal{}}
	for name, v := range vars.GetVariables() {
		m.Literals[name] = sampleLiteral(v.GetType())
	}
	return m
}

func sampleLiteral(t *core.LiteralType) *core.Literal {
	scalar := func(s *core.Scalar) *core.Literal { return &core.Literal{Value: &core.Literal_Scalar{Scalar: s}} }
	prim := func(p *core.Primitive) *core.Literal {
		return scalar(&core.Scalar{Value: &core.Scalar_Primitive{Primitive: p}})
	}
	switch {
	case t.GetCollectionType() != nil:
		return &core.Literal{Value: &core.Literal_Collection{Collection: &core.LiteralCollection{Literals: []*core.Literal{sampleLiteral(t.GetCollectionType())}}}}
	case t.GetMapValueType() != nil:
		return &core.Literal{Value: &core.Literal_Map{Map: &core.LiteralMap{Literals: map[string]*core.Literal{"k": sampleLiteral(t.GetMapValueType())}}}}
	case t.GetBlob() != nil:
		return scalar(&core.Scalar{Value: &core.Scalar_Blob{Blob: &core.Blob{Metadata: &core.BlobMetadata{Type: t.GetBlob()}, Uri: "s3://bucket/sample"}}})
	case t.GetUnionType() != nil && len(t.GetUnionType().GetVariants()) > 0:
		variant := t.GetUnionType().GetVariants()[0]
		return scalar(&core.Scalar{Value: &core.Scalar_Union{Union: &core.Union{Value: sampleLiteral(variant), Type: variant}}})
	case t.GetEnumType() != nil && len(t.GetEnumType().GetValues()) > 0:
		return prim(&core.Primitive{Value: &core.Primitive_StringValue{StringValue: t.GetEnumType().GetValues()[0]}})
	}
	switch t.GetSimple() {
	case core.SimpleType_INTEGER:
		return prim(&core.Primitive{Value: &core.Primitive_Integer{Integer: 1}})
	case core.SimpleType_FLOAT:
		return prim(&core.Primitive{Value: &core.Primitive_FloatValue{FloatValue: 1.5}})
	case core.SimpleType_STRING:
		return prim(&core.Primitive{Value: &core.Primitive_StringValue{StringValue: "s"}})
	case core.SimpleType_BOOLEAN:
		return prim(&core.Primitive{Value: &core.Primitive_Boolean{Boolean: true}})
	case core.SimpleType_DATETIME:
		return prim(&core.Primitive{Value: &core.Primitive_Datetime{Datetime: &timestamppb.Timestamp{Seconds: 1}}})
	case core.SimpleType_DURATION:
		return prim(&core.Primitive{Value: &core.Primitive_Duration{Duration: &durationpb.Duration{Seconds: 1}}})
	case core.SimpleType_STRUCT:
		return scalar(&core.Scalar{Value: &core.Scalar_Generic{Generic: &structpb.Struct{Fields: map[string]*structpb.Value{}}}})
	}
	return scalar(&core.Scalar{Value: &core.Scalar_NoneType{NoneType: &core.Void{}}})
}

// normalise turns a closure into JSON values with connections dropped and nodes, tasks and
// sub-workflows sorted by id, so that only meaningful differences remain.
func normalise(cl *core.CompiledWorkflowClosure) any {
	cl = proto.Clone(cl).(*core.CompiledWorkflowClosure)
	wfs := append([]*core.CompiledWorkflow{cl.GetPrimary()}, cl.GetSubWorkflows()...)
	for _, w := range wfs {
		if w == nil {
			continue
		}
		w.Connections = nil
		nodes := w.GetTemplate().GetNodes()
		sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].GetId() < nodes[j].GetId() })
		for _, n := range nodes {
			sort.Strings(n.UpstreamNodeIds)
		}
	}
	sort.SliceStable(cl.SubWorkflows, func(i, j int) bool {
		return key(cl.SubWorkflows[i].GetTemplate().GetId()) < key(cl.SubWorkflows[j].GetTemplate().GetId())
	})
	sort.SliceStable(cl.Tasks, func(i, j int) bool {
		return key(cl.Tasks[i].GetTemplate().GetId()) < key(cl.Tasks[j].GetTemplate().GetId())
	})
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(cl)
	if err != nil {
		panic(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		panic(err)
	}
	return v
}

func (c *checker) compare(name string, flyte, ours *core.CompiledWorkflowClosure) {
	var diffs []string
	diff("", normalise(flyte), normalise(ours), &diffs)
	for _, d := range diffs {
		path := strings.SplitN(d, " ", 2)[0]
		explained := false
		for _, k := range c.known {
			if k.re.MatchString(path) {
				c.explained[k.Path]++
				explained = true
				break
			}
		}
		if !explained {
			c.unexplained = append(c.unexplained, name+": "+d)
		} else if c.verbose {
			fmt.Printf("  explained %s: %s\n", name, d)
		}
	}
}

func show(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func diff(path string, a, b any, out *[]string) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s flyte=%s ours=%s", path, show(a), show(b)))
			return
		}
		keys := map[string]bool{}
		for k := range av {
			keys[k] = true
		}
		for k := range bv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			diff(path+"."+k, av[k], bv[k], out)
		}
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			*out = append(*out, fmt.Sprintf("%s flyte=%s ours=%s", path, show(a), show(b)))
			return
		}
		for i := range av {
			diff(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i], out)
		}
	default:
		if !reflect.DeepEqual(a, b) {
			*out = append(*out, fmt.Sprintf("%s flyte=%s ours=%s", path, show(a), show(b)))
		}
	}
}

func loadKnown(p string) ([]knownDifference, error) {
	if p == "" {
		return nil, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var ks []knownDifference
	if err := json.Unmarshal(b, &ks); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	for i := range ks {
		re, err := regexp.Compile("^" + ks[i].Path + "$")
		if err != nil {
			return nil, fmt.Errorf("%s: path %q: %w", p, ks[i].Path, err)
		}
		if strings.TrimSpace(ks[i].Reason) == "" {
			return nil, fmt.Errorf("%s: path %q has no reason", p, ks[i].Path)
		}
		ks[i].re = re
	}
	return ks, nil
}

func main() {
	knownPath := flag.String("known", "", "JSON list of {path, reason}: differences we keep on purpose (path is a regexp over the JSON path)")
	verbose := flag.Bool("v", false, "also print explained differences")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: flyte-check [-known known-differences.json] [-v] DIR|PKG.tgz|FILE.pb...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	known, err := loadKnown(*knownPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "flyte-check:", err)
		os.Exit(2)
	}
	entries, err := readInputs(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "flyte-check:", err)
		os.Exit(2)
	}
	c := &checker{
		tasks: map[string]*core.TaskTemplate{}, compiled: map[string]*core.CompiledTask{}, workflows: map[string]*admin.WorkflowSpec{},
		ours: map[string]*core.CompiledWorkflowClosure{}, launchPlans: map[string]*admin.LaunchPlan{}, futures: map[string]*core.DynamicJobSpec{},
		parents: map[string]*core.TaskTemplate{}, known: known, explained: map[string]int{}, verbose: *verbose,
	}
	c.load(entries)
	c.compileTasks()
	c.launchPlanInterfaces()
	c.checkWorkflows()
	c.checkFutures()
	for _, e := range c.errors {
		fmt.Println("ERROR", e)
	}
	for _, d := range c.unexplained {
		fmt.Println("DIFF ", d)
	}
	for _, k := range c.known {
		if n := c.explained[k.Path]; n > 0 {
			fmt.Printf("explained %d× %s: %s\n", n, k.Path, k.Reason)
		}
	}
	compared := 0
	for range c.ours {
		compared++
	}
	fmt.Printf("flyte-check: %d tasks, %d workflows, %d launch plans, %d futures files; %d closures compared; %d errors, %d unexplained differences\n",
		len(c.tasks), len(c.workflows), len(c.launchPlans), len(c.futures), compared, len(c.errors), len(c.unexplained))
	if len(c.errors) > 0 || len(c.unexplained) > 0 {
		os.Exit(1)
	}
}
