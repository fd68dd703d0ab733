#!/usr/bin/python3
"""What the kiosk decided for each group of people in the synthetic three-verdict set, by the
ethnicity, gender and age london-faces-v1 publishes for them. The Canadian set publishes none: its
people are white, and its file names carry f or m.

Usage: /usr/bin/python3 training/by_group.py SCAN.jsonl [--still] [--too-dark 0.12,0.09] [--data DIR]
  SCAN.jsonl: the JSON lines of `npm run scan -- --eval test/.cache/london-synth/set --visits --json`
  (or a `--record` file of the same run). Prints a Markdown table: per group, masks worn right
  thanked, bare faces refused, masks worn wrong told to pull up, and bare or worn-wrong faces thanked.
  --still: the kiosk's decision on each image (a scan without --visits) instead of the visit's.
  --too-dark LINES: also, per line, the images whose face crop's brightness is under it (the
  kiosk would ask them to step into the light), e.g. on sets made by training/darken.py.
"""
import argparse
import collections
import csv
import json
import os
import re

WORN_WRONG = re.compile(r'-(below_nose|on_chin|one_ear)(?=\.jpg$)')
# What the kiosk should do with each folder of the set.
RIGHT = {'with_mask': 'pass', 'without_mask': 'refuse', 'incorrect': 'pull_up'}


def groups(row):
    canadian = row['set'] == 'canada'
    age = 'not given (Canadian set)' if canadian else ('18-29' if int(row['age']) < 30 else '30-54')
    return {
        'ethnicity': 'white (Canadian set)' if canadian else row['ethnicity'].replace('_', ' '),
        'gender': {'f': 'female', 'm': 'male'}[row['person'][-1]] if canadian else row['gender'],
        'age': age,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('scan')
    ap.add_argument('--still', action='store_true')
    ap.add_argument('--too-dark', default='')
    ap.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data', 'london-faces-v1'))
    args = ap.parse_args()
    with open(os.path.join(args.data, 'manifest.csv'), newline='') as f:
        people = {os.path.basename(r['file']): r for r in csv.DictReader(f)}
    lines = [float(x) for x in args.too_dark.split(',') if x]
    tally = collections.defaultdict(collections.Counter)
    members = collections.defaultdict(set)
    with open(args.scan) as f:
        for line in f:
            r = json.loads(line)
            if 'expected' not in r or ('kiosk' if args.still else 'visit') not in r:
                continue  # the summary line
            outcome = r['kiosk'] if args.still else r['visit']['outcome']
            row = people[WORN_WRONG.sub('', os.path.basename(r['file']))]
            for dim, group in groups(row).items():
                tally[(dim, group, r['expected'])][outcome] += 1
                for line in lines:
                    tally[(dim, group, 'dark')][line] += r.get('brightness', 1) < line
                members[(dim, group)].add(row['person'])
    dark_heads = ''.join(f' too dark under {line:g} |' for line in lines)
    print('| group (people) | masks thanked | bare refused | worn wrong told to pull up | bare or worn wrong thanked |' + dark_heads)
    print('|---|---|---|---|---|' + '---|' * len(lines))
    for dim, group in sorted(members, key=lambda k: (['ethnicity', 'gender', 'age'].index(k[0]), k[1])):
        cells = []
        for folder, right in RIGHT.items():
            c = tally[(dim, group, folder)]
            cells.append(f'{c[right]} / {sum(c.values())}')
        wrong = tally[(dim, group, 'without_mask')]['pass'] + tally[(dim, group, 'incorrect')]['pass']
        images = sum(sum(tally[(dim, group, folder)].values()) for folder in RIGHT)
        dark = ''.join(f' {tally[(dim, group, "dark")][line]} / {images} |' for line in lines)
        print(f'| {dim}: {group} ({len(members[(dim, group)])}) | ' + ' | '.join(cells) + f' | {wrong} |' + dark)


if __name__ == '__main__':
    main()
