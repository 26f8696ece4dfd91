// Package k8scheck checks deploy/k8s-compare-job.yaml as far as a machine without a cluster
// can (make cluster-test runs it; docs/cluster.md):
//
//   - every document decodes strictly (no unknown or duplicate field, every quantity valid) into
//     the Kubernetes API's Go types: k8s.io/api core/v1 PersistentVolumeClaim and batch/v1 Job;
//   - the compare Job is an Indexed Job whose completions, parallelism and SHARDS agree, with
//     one retry budget per index and GOMAXPROCS from the CPU limit;
//   - pod i runs exactly the command that task i of deploy/slurm-compare.sbatch runs (both
//     scripts are executed, with a stand-in for nanospike that records its arguments):
//     JOB_COMPLETION_INDEX/SHARDS maps to --shard i/n as SLURM_ARRAY_TASK_ID/COUNT does;
//   - the merge Job waits for and merges exactly the folders the n pods write.
//
// What it cannot check: the API server's own validation (k8s.io/kubernetes is not a library)
// and a real cluster run.
package k8scheck

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

const (
	jobFile    = "../k8s-compare-job.yaml"
	sbatchFile = "../slurm-compare.sbatch"
	binary     = "/nanospike" // where the image holds nanospike
	mount      = "/runs"      // where the pods mount the shared volume
)

// manifests is the file's documents, decoded strictly.
type manifests struct {
	pvc            corev1.PersistentVolumeClaim
	compare, merge batchv1.Job
}

func load(t *testing.T) manifests {
	t.Helper()
	b, err := os.ReadFile(jobFile)
	if err != nil {
		t.Fatal(err)
	}
	var m manifests
	var kinds []string
	for i, doc := range regexp.MustCompile(`(?m)^---[ \t]*$`).Split(string(b), -1) {
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if head.Kind == "" {
			t.Fatalf("document %d has no kind", i)
		}
		var dst any
		switch k := head.APIVersion + " " + head.Kind; k {
		case "v1 PersistentVolumeClaim":
			dst = &m.pvc
		case "batch/v1 Job":
			dst = &m.compare
			if m.compare.Name != "" {
				dst = &m.merge
			}
		default:
			t.Fatalf("document %d: unexpected %s", i, k)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), dst); err != nil {
			t.Fatalf("document %d (%s): not a valid %s: %v", i, head.Kind, head.Kind, err)
		}
		kinds = append(kinds, head.Kind)
	}
	if want := []string{"PersistentVolumeClaim", "Job", "Job"}; !slices.Equal(kinds, want) {
		t.Fatalf("documents %v, want %v", kinds, want)
	}
	return m
}

// TestStrictDecodeCatchesMistakes: the strict decoding this file relies on rejects what a
// typo makes.
func TestStrictDecodeCatchesMistakes(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":   "apiVersion: batch/v1\nkind: Job\nspec:\n  completionMod: Indexed\n",
		"duplicate field": "apiVersion: batch/v1\nkind: Job\nspec:\n  completions: 1\n  completions: 2\n",
		"wrong type":      "apiVersion: batch/v1\nkind: Job\nspec:\n  completions: eight\n",
		"bad quantity":    "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          resources: {limits: {cpu: four}}\n",
	} {
		var j batchv1.Job
		if err := yaml.UnmarshalStrict([]byte(doc), &j); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestManifestsDecodeStrictly(t *testing.T) {
	m := load(t)
	if m.pvc.Name == "" || m.compare.Name == "" || m.merge.Name == "" || m.compare.Name == m.merge.Name {
		t.Fatalf("names: pvc %q, jobs %q and %q", m.pvc.Name, m.compare.Name, m.merge.Name)
	}
	if !slices.Contains(m.pvc.Spec.AccessModes, corev1.ReadWriteMany) {
		t.Errorf("the volume is %v: every pod writes to it at once, it needs ReadWriteMany", m.pvc.Spec.AccessModes)
	}
	for _, j := range []batchv1.Job{m.compare, m.merge} {
		pod := j.Spec.Template.Spec
		if pod.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("job %s: restartPolicy %q, want Never (a failed pod is retried as a new pod)", j.Name, pod.RestartPolicy)
		}
		for _, v := range pod.Volumes {
			if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != m.pvc.Name {
				t.Errorf("job %s: volume %s is not the claim %s", j.Name, v.Name, m.pvc.Name)
			}
		}
		for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
			if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != mount {
				t.Errorf("job %s, container %s: mounts %v, want the volume at %s", j.Name, c.Name, c.VolumeMounts, mount)
			}
		}
	}
}

// compareJob returns the compare Job's shard count and its container.
func compareJob(t *testing.T, m manifests) (int, corev1.Container) {
	t.Helper()
	s := m.compare.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("job %s: completionMode %v, want Indexed (JOB_COMPLETION_INDEX is the shard)", m.compare.Name, s.CompletionMode)
	}
	if s.Completions == nil || s.Parallelism == nil {
		t.Fatalf("job %s: completions and parallelism must be set", m.compare.Name)
	}
	n := int(*s.Completions)
	if int(*s.Parallelism) != n {
		t.Errorf("parallelism %d, completions %d: want one pod per shard, all at once", *s.Parallelism, n)
	}
	if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex < 1 {
		t.Errorf("backoffLimitPerIndex %v: a failed shard should be retried (it resumes)", s.BackoffLimitPerIndex)
	}
	if s.MaxFailedIndexes == nil || *s.MaxFailedIndexes != 0 {
		t.Errorf("maxFailedIndexes %v, want 0: a shard that fails for good fails the Job", s.MaxFailedIndexes)
	}
	cs := s.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("job %s: %d containers, want 1", m.compare.Name, len(cs))
	}
	c := cs[0]
	shards := ""
	for _, e := range c.Env {
		switch e.Name {
		case "SHARDS":
			shards = e.Value
		case "GOMAXPROCS":
			f := e.ValueFrom
			if f == nil || f.ResourceFieldRef == nil || f.ResourceFieldRef.Resource != "limits.cpu" ||
				f.ResourceFieldRef.Divisor.Cmp(resource.MustParse("1")) != 0 {
				t.Errorf("GOMAXPROCS is %+v, want limits.cpu with divisor 1 (one run per core)", e)
			}
			lim, req := c.Resources.Limits.Cpu(), c.Resources.Requests.Cpu()
			if lim.IsZero() || lim.MilliValue()%1000 != 0 || lim.Cmp(*req) != 0 {
				t.Errorf("cpu limit %v, request %v: want a whole number of cores, requested as much", lim, req)
			}
		}
	}
	if shards != strconv.Itoa(n) {
		t.Errorf("SHARDS %q, want completions (%d)", shards, n)
	}
	return n, c
}

// shellScript returns the script of a container run as ["/bin/sh", "-c"] + [script].
func shellScript(t *testing.T, c corev1.Container) string {
	t.Helper()
	if !slices.Equal(c.Command, []string{"/bin/sh", "-c"}) || len(c.Args) != 1 {
		t.Fatalf("container %s: command %q args %q, want /bin/sh -c SCRIPT", c.Name, c.Command, c.Args)
	}
	return c.Args[0]
}

// recorder writes a stand-in for a program: it prints its arguments, one a line, and exits 0.
func recorder(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, env []string, name string, args ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr.String())
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
}

// withoutJobs drops --jobs J: the sbatch file passes the task's cores, the pod leaves it at 0
// (GOMAXPROCS, which the pod sets from its CPU limit).
func withoutJobs(args []string) []string {
	if i := slices.Index(args, "--jobs"); i >= 0 && i+1 < len(args) {
		return slices.Delete(slices.Clone(args), i, i+2)
	}
	return args
}

// TestIndexToShardMatchesSlurm: for each index i of n, the pod's nanospike command is the one
// task i of an n-task Slurm array runs with the sbatch file's defaults.
func TestIndexToShardMatchesSlurm(t *testing.T) {
	m := load(t)
	n, c := compareJob(t, m)
	tmp := t.TempDir()
	fake := recorder(t, tmp, "nanospike")
	bin := filepath.Join(tmp, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	recorderSrun := filepath.Join(bin, "srun") // srun PROGRAM ARGS… runs it
	if err := os.WriteFile(recorderSrun, []byte("#!/bin/sh\nexec \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := shellScript(t, c)
	if strings.Count(script, "exec "+binary+" ") != 1 {
		t.Fatalf("the compare container's script does not exec %s once:\n%s", binary, script)
	}
	script = strings.ReplaceAll(strings.Replace(script, "exec "+binary+" ", "exec "+fake+" ", 1), mount+"/", tmp+mount+"/")
	base := []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + tmp}
	podEnv := slices.Clone(base)
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			podEnv = append(podEnv, e.Name+"="+e.Value)
		}
	}
	seen := map[string]bool{}
	for i := range n {
		pod := run(t, append(slices.Clone(podEnv), "JOB_COMPLETION_INDEX="+strconv.Itoa(i)), "/bin/sh", "-c", script)
		task := run(t, append(slices.Clone(base), "NANOSPIKE="+fake, "OUT="+tmp+mount+"/compare",
			"SLURM_ARRAY_TASK_ID="+strconv.Itoa(i), "SLURM_ARRAY_TASK_COUNT="+strconv.Itoa(n), "SLURM_CPUS_PER_TASK=4"),
			"bash", sbatchFile)
		if !slices.Equal(pod, withoutJobs(task)) {
			t.Errorf("index %d: the pod runs\n  %q\nthe Slurm task\n  %q", i, pod, task)
		}
		shard := fmt.Sprintf("%d/%d", i, n)
		if j := slices.Index(pod, "--shard"); j < 0 || j+1 >= len(pod) || pod[j+1] != shard {
			t.Errorf("index %d: %q has no --shard %s", i, pod, shard)
		}
		out := pod[slices.Index(pod, "--out")+1]
		if seen[out] {
			t.Errorf("index %d writes %s, as another index does", i, out)
		}
		seen[out] = true
	}
	// A task resubmitted alone (sbatch --array=i, an array of one) with SHARDS=n runs the same.
	i := n - 1
	pod := run(t, append(slices.Clone(podEnv), "JOB_COMPLETION_INDEX="+strconv.Itoa(i)), "/bin/sh", "-c", script)
	alone := run(t, append(slices.Clone(base), "NANOSPIKE="+fake, "OUT="+tmp+mount+"/compare", "SHARDS="+strconv.Itoa(n),
		"SLURM_ARRAY_TASK_ID="+strconv.Itoa(i), "SLURM_ARRAY_TASK_COUNT=1", "SLURM_CPUS_PER_TASK=4"), "bash", sbatchFile)
	if !slices.Equal(pod, withoutJobs(alone)) {
		t.Errorf("task %d resubmitted alone runs\n  %q\nthe pod\n  %q", i, alone, pod)
	}
}

// TestMergeTakesEveryShard: the merge Job merges, and its init container waits for, exactly the
// n folders the compare Job's pods write.
func TestMergeTakesEveryShard(t *testing.T) {
	m := load(t)
	n, _ := compareJob(t, m)
	tmp := t.TempDir()
	fake := recorder(t, tmp, "nanospike")
	pod := m.merge.Spec.Template.Spec
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 1 {
		t.Fatalf("merge job: %d containers, %d init containers; want 1 and 1", len(pod.Containers), len(pod.InitContainers))
	}
	shards := make([]string, n)
	for i := range shards {
		shards[i] = fmt.Sprintf("%s%s/compare/shard-%d", tmp, mount, i)
	}

	script := shellScript(t, pod.Containers[0])
	script = strings.ReplaceAll(strings.Replace(script, "exec "+binary+" ", "exec "+fake+" ", 1), mount+"/", tmp+mount+"/")
	args := run(t, []string{"PATH=/usr/bin:/bin"}, "/bin/sh", "-c", script)
	if len(args) < 3 || args[0] != "merge" || args[1] != "--out" {
		t.Fatalf("merge container runs %q, want merge --out DIR SHARDS…", args)
	}
	if got := args[3:]; !slices.Equal(got, shards) {
		t.Errorf("merge takes\n  %q\nthe compare Job writes\n  %q", got, shards)
	}

	// The init container: still waiting while one shard's table is missing, done once all are there.
	wait := strings.ReplaceAll(shellScript(t, pod.InitContainers[0]), mount+"/", tmp+mount+"/")
	for _, s := range shards[:n-1] {
		if err := os.MkdirAll(s, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(s, "compare.json"), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("/bin/sh", "-c", wait)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its sleep goes with it
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		t.Fatalf("the init container ended (%v) with shard %d's table missing", err, n-1)
	case <-time.After(500 * time.Millisecond):
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exited
	last := shards[n-1]
	if err := os.MkdirAll(last, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(last, "compare.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, []string{"PATH=/usr/bin:/bin"}, "/bin/sh", "-c", wait)
}
