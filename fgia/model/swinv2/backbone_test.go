package swinv2_test

import (
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/swinv2"
)

// A swinv2.Config is a backbone for fgia/model's classifiers.
var _ model.Backbone = swinv2.Config{}
