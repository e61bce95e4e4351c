// Package report turns a stage's files into what a person reads: Markdown
// tables, Parquet summaries and PNG plots under a report folder. It only
// reads what earlier stages wrote, so any report can be rebuilt alone.
package report
