// Package demodata builds WebFashion-LT, the kit's demo and test data set:
// real Fashion-MNIST images turned into a long-tailed, web-noisy training set
// in the competition layout, with uniform unlabelled test splits.
//
// The build is deterministic: the same options and seed give the same bytes.
// Every injected defect is listed in LABELS/noise.txt and the test labels in
// LABELS/testa.txt and LABELS/testb.txt; training code never reads LABELS.
package demodata
