package main

import (
	"github.com/gomlx/gomlx/backends"

	"github.com/fgia/fgia/fgia/backend"
)

type backendInfo struct {
	b backends.Backend
	c backend.Choice
}
