// Package clean turns a crawled training set into the list training uses and
// a manifest that accounts for every input. Its rules follow the ACCV 2022
// champion: drop unreadable files, drop every copy of content filed under more
// than one label, keep one copy of same-label duplicates, drop images below a
// minimum side. Outlier detection (charts and other out-of-distribution
// pictures) is optional and off by default: the champion found that removing
// clustering outliers did not help, so it stays measurable rather than
// assumed.
package clean
