"""Which london-faces-v1 people the default model may train on, and which are kept for the
synthetic three-verdict test. Whole people go to one side (both London photos of a person share
a person id), by a hash of the id, so the split is the same on every machine."""
import csv
import hashlib
import os

TEST_SHARE = 0.5


def person_side(person_id: str) -> str:
    h = int(hashlib.sha256(person_id.encode('utf-8')).hexdigest()[:8], 16)
    return 'test' if (h % 1000) / 1000 < TEST_SHARE else 'train'


def london_people(data_dir: str) -> dict:
    """file name (e.g. london-neutral-001_03.jpg) -> (person id, 'train' or 'test')."""
    with open(os.path.join(data_dir, 'manifest.csv'), newline='') as f:
        return {os.path.basename(r['file']): (r['person'], person_side(r['person'])) for r in csv.DictReader(f)}
