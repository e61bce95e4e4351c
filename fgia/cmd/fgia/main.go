// Command fgia runs the stages of the kit: build the demo data, clean a data
// set, and report on it. Each stage reads the files the previous one wrote.
//
//	fgia demo-data --out data/webfashion --labels data/webfashion-labels
//	fgia clean --data data/webfashion
//	fgia stats --data data/webfashion --labels data/webfashion-labels --out reports/data
//
// After training, every step reads and writes prediction Parquet files:
//
//	fgia predict --run runs/a --data data/webfashion --split testb --shard 1/4 --out a-1.parquet
//	fgia merge --parts 'a-*.parquet' --out a.parquet
//	fgia soup --run runs/a --last 5 --out runs/a-soup
//	fgia ensemble --pred a.parquet,b.parquet --labels data/webfashion-labels/testa.txt --out ens.parquet
//	fgia adjust --pred ens.parquet --tau 1 --out adj.parquet
//	fgia redistribute --pred adj.parquet --method sinkhorn --out final.parquet
//	fgia pseudo --pred ens.parquet --data data/webfashion --threshold 0.5 --out data/webfashion/meta/round1.txt
//	fgia submit --pred final.parquet --out submission_testb.csv
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: its flags are registered on fs by setup, which
// returns the function that runs it.
type command struct {
	summary string
	setup   func(fs *flag.FlagSet) func() error
}

var commands = map[string]command{
	"demo-data": {"build the WebFashion-LT demo set from Fashion-MNIST", demoDataCmd},
	"clean":     {"scan and clean a training set; write meta/manifest.parquet and meta/train_clean.txt", cleanCmd},
	"stats":     {"long-tail statistics, cleaning report and class-frequency plot", statsCmd},
	"reproduce": {"run the whole recipe as an ablation table (resumable): train, pretrain, soup, ensemble, pseudo, distill, adjust, redistribute", reproduceCmd},
	"pretrain":  {"self-supervised pretraining: MAE (ViT) or SimMIM (Swin-V2) on train + test images (resumable)", pretrainCmd},
	"train":     {"fine-tune a preset on a cleaned data set (resumable)", trainCmd},
	"predict":   {"predict a test split with a trained run into Parquet", predictCmd},
	"score":     {"score a prediction Parquet file against hidden labels", scoreCmd},
	"bench":     {"training and inference throughput of the benchmark ViT", benchCmd},
	"import":    {"import pretrained timm / Hugging Face / MMPretrain weights as a run folder", importCmd},
	"export":    {"export a run's weights in timm's hub layout (config.json + model.safetensors)", exportCmd},
	"models":    {"list fgia's model presets and the timm architectures it imports", modelsCmd},

	// After training: prediction files in, prediction files out.
	"merge":        {"merge the shard files of `fgia predict --shard k/n` into one prediction file", mergeCmd},
	"soup":         {"uniform (or greedy) soup of a run's last K checkpoints, written as a run folder", soupCmd},
	"ensemble":     {"weighted mean of several models' softmax, aligned by image name", ensembleCmd},
	"adjust":       {"post-hoc logit adjustment z - tau log(prior) with the training class counts", adjustCmd},
	"redistribute": {"re-balance labels on a uniform test split: the champion's one pass or Sinkhorn", redistributeCmd},
	"pseudo":       {"pseudo-label confident test images and write train + pseudo annotation list", pseudoCmd},
	"submit":       {"write submission_<split>.csv (image,label) from a prediction file", submitCmd},
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: fgia <command> [flags]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\n`fgia <command> -h` lists a command's flags.\n")
}

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

// run executes one command line and returns the exit status: 0 done, 1 the
// command failed, 2 the command line was wrong.
func run(args []string, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "fgia: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	fs := flag.NewFlagSet("fgia "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	do := cmd.setup(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fgia %s: unexpected arguments %q\n", args[0], fs.Args())
		return 2
	}
	if err := do(); err != nil {
		fmt.Fprintf(stderr, "fgia %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// required returns an error naming the first empty flag value.
func required(pairs ...string) error {
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return fmt.Errorf("--%s is required", pairs[i])
		}
	}
	return nil
}
