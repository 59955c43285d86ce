// Command flytectl is Flyte's own CLI (flyteorg/flyte flytectl v0.9.8, built against the v1.16.8
// modules), built from the Go module proxy so the tests can run the real `flytectl compile` on
// what `tflyte-sandbox package` writes.
package main

import (
	"os"

	"github.com/flyteorg/flyte/flytectl/cmd"
)

func main() {
	if err := cmd.ExecuteCmd(); err != nil {
		os.Exit(1)
	}
}
