package demodata

// confusable gives, for each Fashion-MNIST class, the classes whose
// images a careless annotator or a web crawl files under it, with
// weights: tops with tops (T-shirt, shirt, pullover, coat, dress), shoes
// with shoes, bags with tops. Web noise is not uniform: a shirt is
// called a T-shirt, not a sandal. Data sets with other classes fall back
// to every other class with equal weight.
var confusable = map[int]map[int]float64{
	0: {6: 0.5, 3: 0.25, 2: 0.25},           // T-shirt/top <- shirt, dress, pullover
	1: {3: 1},                               // trouser <- dress
	2: {4: 0.5, 6: 0.4, 0: 0.1},             // pullover <- coat, shirt, T-shirt
	3: {0: 0.35, 4: 0.35, 1: 0.15, 6: 0.15}, // dress <- T-shirt, coat, trouser, shirt
	4: {2: 0.5, 6: 0.4, 3: 0.1},             // coat <- pullover, shirt, dress
	5: {7: 0.6, 9: 0.4},                     // sandal <- sneaker, ankle boot
	6: {0: 0.4, 2: 0.3, 4: 0.3},             // shirt <- T-shirt, pullover, coat
	7: {5: 0.5, 9: 0.5},                     // sneaker <- sandal, ankle boot
	8: {0: 0.3, 2: 0.3, 6: 0.4},             // bag <- tops
	9: {7: 0.6, 5: 0.4},                     // ankle boot <- sneaker, sandal
}

// donors returns the classes whose images may be mislabelled as c, with
// weights.
func donors(c, classes int) map[int]float64 {
	if classes == len(confusable) {
		return confusable[c]
	}
	out := map[int]float64{}
	for d := 0; d < classes; d++ {
		if d != c {
			out[d] = 1
		}
	}
	return out
}
