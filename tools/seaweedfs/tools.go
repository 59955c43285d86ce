//go:build tools

// Package seaweedfs pins the SeaweedFS server the S3 storage tests run against (a real
// S3-compatible server built from the Go module proxy; scripts/ci/install-seaweedfs.sh builds it).
package seaweedfs

import _ "github.com/seaweedfs/seaweedfs/weed"
