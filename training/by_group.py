#!/usr/bin/python3
"""What the kiosk decided for each group of people in the synthetic three-verdict set, by the
ethnicity, gender and age london-faces-v1 publishes for them. The Canadian set publishes none: its
people are white, and its file names carry f or m.

Usage: /usr/bin/python3 training/by_group.py SCAN.jsonl [--data ../shared/data/london-faces-v1]
  SCAN.jsonl: the JSON lines of `npm run scan -- --eval test/.cache/london-synth/set --visits --json`
  (or a `--record` file of the same run). Prints a Markdown table: per group, masks worn right
  thanked, bare faces refused, masks worn wrong told to pull up, and bare or worn-wrong faces thanked.
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
    ap.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data', 'london-faces-v1'))
    args = ap.parse_args()
    with open(os.path.join(args.data, 'manifest.csv'), newline='') as f:
        people = {os.path.basename(r['file']): r for r in csv.DictReader(f)}
    tally = collections.defaultdict(collections.Counter)
    members = collections.defaultdict(set)
    with open(args.scan) as f:
        for line in f:
            r = json.loads(line)
            if 'visit' not in r or 'expected' not in r:
                continue  # the summary line
            row = people[WORN_WRONG.sub('', os.path.basename(r['file']))]
            for dim, group in groups(row).items():
                tally[(dim, group, r['expected'])][r['visit']['outcome']] += 1
                members[(dim, group)].add(row['person'])
    print('| group (people) | masks thanked | bare refused | worn wrong told to pull up | bare or worn wrong thanked |')
    print('|---|---|---|---|---|')
    for dim, group in sorted(members, key=lambda k: (['ethnicity', 'gender', 'age'].index(k[0]), k[1])):
        cells = []
        for folder, right in RIGHT.items():
            c = tally[(dim, group, folder)]
            cells.append(f'{c[right]} / {sum(c.values())}')
        wrong = tally[(dim, group, 'without_mask')]['pass'] + tally[(dim, group, 'incorrect')]['pass']
        print(f'| {dim}: {group} ({len(members[(dim, group)])}) | ' + ' | '.join(cells) + f' | {wrong} |')


if __name__ == '__main__':
    main()
