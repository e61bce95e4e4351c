package dataset

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// NumClasses is the data set's number of classes, from its annotations and
// never from folder listings (a stray folder under train/, such as
// .ipynb_checkpoints or __MACOSX, is not a class): the lines of
// meta/classes.txt when it exists, else the largest label in
// meta/train.txt plus one.
func (l Layout) NumClasses() (int, error) {
	if names, err := l.readClassNames(); err != nil {
		return 0, err
	} else if names != nil {
		return len(names), nil
	}
	anns, _, err := ReadAnnotations(l.Path(TrainList), 0)
	if err != nil {
		return 0, err
	}
	if len(anns) == 0 {
		return 0, fmt.Errorf("dataset: %s has no usable annotation lines (want \"relative/path label\" lines)", l.Path(TrainList))
	}
	n := 0
	for _, a := range anns {
		n = max(n, a.Label+1)
	}
	if n < 2 {
		return 0, fmt.Errorf("dataset: %s lists %d classes; a classifier needs at least 2", l.Path(TrainList), n)
	}
	return n, nil
}

// ClassNames returns n class names: meta/classes.txt's lines where there
// is one, else the class indices.
func (l Layout) ClassNames(n int) []string {
	out := make([]string, n)
	names, _ := l.readClassNames()
	for i := range out {
		out[i] = fmt.Sprint(i)
		if i < len(names) {
			out[i] = names[i]
		}
	}
	return out
}

// readClassNames reads meta/classes.txt, one name a line (nil, nil when
// the file does not exist).
func (l Layout) readClassNames() ([]string, error) {
	f, err := os.Open(l.Path(ClassNamesFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			names = append(names, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", l.Path(ClassNamesFile), err)
	}
	if len(names) < 2 {
		return nil, fmt.Errorf("dataset: %s names %d classes; a classifier needs at least 2", l.Path(ClassNamesFile), len(names))
	}
	return names, nil
}
