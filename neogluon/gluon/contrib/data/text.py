"""WikiText language-model datasets (MXNet 1.9.1 ``gluon.contrib.data.text``).

Each sample is ``(data, label)``: ``seq_len`` consecutive token indices
(int32) and the same sequence shifted by one token. Lines are split on
whitespace, empty lines dropped and ``'<eos>'`` appended to every line; the
tail that does not fill a whole row of ``seq_len`` is dropped.
"""

from __future__ import annotations

import os
import shutil
import zipfile

import numpy as np

from .... import base
from .... import ndarray as nd
from ...._atomic import atomic_open
from ....base import MXNetError
from ...data.dataset import _DownloadedDataset
from ...utils import _get_repo_file_url
from ...utils import download
from ._vocab import Vocabulary
from ._vocab import count_tokens_from_str

__all__ = ["WikiText2", "WikiText103"]

EOS_TOKEN = "<eos>"


class _LanguageModelDataset(_DownloadedDataset):
    """A token dataset with a vocabulary built from its own text when none is given."""

    def __init__(self, root, namespace: str, vocabulary) -> None:
        self._vocab = vocabulary
        self._counter = None
        self._namespace = namespace
        super().__init__(root, None)

    @property
    def vocabulary(self):
        """The vocabulary that indexes the tokens."""
        return self._vocab

    @property
    def frequencies(self):
        """``collections.Counter`` of the tokens of this segment's file."""
        return self._counter

    def _build_vocab(self, content: str) -> None:
        if not self._counter:
            self._counter = count_tokens_from_str(content)
        if not self._vocab:
            self._vocab = Vocabulary(
                counter=self.frequencies, reserved_tokens=[EOS_TOKEN]
            )


class _WikiText(_LanguageModelDataset):
    _archive_file: tuple[str, str]
    _data_file: dict[str, tuple[str, str]]

    def __init__(self, root, segment: str, vocab, seq_len: int, name: str) -> None:
        if segment not in self._data_file:
            raise ValueError(
                f"{type(self).__name__}: segment must be one of "
                f"{sorted(self._data_file)}, got {segment!r}."
            )
        if int(seq_len) < 1:
            raise ValueError(
                f"{type(self).__name__}: seq_len must be >= 1, got {seq_len}."
            )
        self._segment = segment
        self._seq_len = int(seq_len)
        if root is None:
            root = os.path.join(base.data_dir(), "datasets", name)
        super().__init__(root, name, vocab)

    def _read_batch(self, filename: str):
        with open(filename, encoding="utf8") as fin:
            content = fin.read()
        self._build_vocab(content)
        tokens = []
        for line in content.splitlines():
            words = line.split()
            if words:
                tokens.extend(words)
                tokens.append(EOS_TOKEN)
        indices = self.vocabulary.to_indices(tokens)
        indices = np.asarray(indices, dtype=np.int32)
        return indices[:-1], indices[1:]

    def _fetch(self, path: str) -> None:
        """Extract the segment file from the archive in root, downloading it
        first when it is not there."""
        cls = type(self).__name__
        archive_name, archive_hash = self._archive_file
        archive = os.path.join(self._root, archive_name)
        if not os.path.exists(archive):
            url = _get_repo_file_url(f"gluon/dataset/{self._namespace}", archive_name)
            try:
                archive = download(url, path=self._root, sha1_hash=archive_hash)
            except OSError as err:
                raise MXNetError(
                    f"{cls}: {os.path.basename(path)} is not in {self._root!r} and "
                    f"downloading {url} failed ({err}). Put {archive_name} or the "
                    f"extracted wiki.*.tokens files there, or pass root=<folder>."
                ) from None
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                filename = os.path.basename(member)
                if filename:
                    dest = os.path.join(self._root, filename)
                    with zf.open(member) as src, atomic_open(dest) as dst:
                        shutil.copyfileobj(src, dst)
        if not os.path.exists(path):
            raise MXNetError(
                f"{cls}: the archive {archive} holds no {os.path.basename(path)}."
            )

    def _get_data(self) -> None:
        data_name, _ = self._data_file[self._segment]
        path = os.path.join(self._root, data_name)
        if not os.path.exists(path):
            self._fetch(path)
        data, label = self._read_batch(path)
        rows = len(data) // self._seq_len
        n = rows * self._seq_len
        self._data = nd.array(data[:n].reshape(rows, self._seq_len), dtype=np.int32)
        self._label = nd.array(label[:n].reshape(rows, self._seq_len), dtype=np.int32)

    def __getitem__(self, idx):
        return self._data[idx], self._label[idx]

    def __len__(self) -> int:
        return len(self._label)


_DOC = """{title} word-level language-modeling dataset (Salesforce research).

    From https://blog.einstein.ai/the-wikitext-long-term-dependency-language-modeling-dataset/
    (license: Creative Commons Attribution-ShareAlike).

    Samples are ``(data, label)`` int32 rows of ``seq_len`` token indices,
    ``label`` being ``data`` shifted by one token; ``'<eos>'`` ends every line.

    The segment file (``wiki.train.tokens``, ``wiki.valid.tokens`` or
    ``wiki.test.tokens``) is read from ``root``; when missing it is extracted
    from ``{archive}`` in ``root``, which is downloaded from MXNet's dataset
    repository (``$MXNET_GLUON_REPO``) when missing too, and checked against
    MXNet's SHA-1.

    Parameters
    ----------
    root : str, default $MXNET_HOME/datasets/{name}
        Folder holding the files.
    segment : {{'train', 'validation', 'test'}}, default 'train'
    vocab : Vocabulary, optional
        Vocabulary to index with (e.g. the training set's ``vocabulary``);
        built from this segment's tokens when None (``'<unk>'`` = 0,
        ``'<eos>'`` = 1, then by decreasing frequency).
    seq_len : int, default 35
        Tokens per sample, regardless of sentence boundaries.

    Notes
    -----
    Differs from MXNet 1.9.1: files already in ``root`` are used whatever their
    SHA-1 (MXNet downloads the archive again when the hash differs), so local
    or modified copies work offline; the SHA-1 is checked on downloads.
    ``vocabulary`` is neogluon's own ``Vocabulary`` (same indices and methods as
    ``mx.contrib.text.vocab.Vocabulary``).
    """


class WikiText2(_WikiText):
    __doc__ = _DOC.format(
        title="WikiText-2", archive="wikitext-2-v1.zip", name="wikitext-2"
    )
    _archive_file = ("wikitext-2-v1.zip", "3c914d17d80b1459be871a5039ac23e752a53cbe")
    _data_file = {
        "train": ("wiki.train.tokens", "863f29c46ef9d167fff4940ec821195882fe29d1"),
        "validation": ("wiki.valid.tokens", "0418625c8b4da6e4b5c7a0b9e78d4ae8f7ee5422"),
        "test": ("wiki.test.tokens", "c7b8ce0aa086fb34dab808c5c49224211eb2b172"),
    }

    def __init__(
        self,
        root: str | None = None,
        segment: str = "train",
        vocab=None,
        seq_len: int = 35,
    ) -> None:
        super().__init__(root, segment, vocab, seq_len, "wikitext-2")


class WikiText103(_WikiText):
    __doc__ = _DOC.format(
        title="WikiText-103", archive="wikitext-103-v1.zip", name="wikitext-103"
    )
    _archive_file = ("wikitext-103-v1.zip", "0aec09a7537b58d4bb65362fee27650eeaba625a")
    _data_file = {
        "train": ("wiki.train.tokens", "b7497e2dfe77e72cfef5e3dbc61b7b53712ac211"),
        "validation": ("wiki.valid.tokens", "c326ac59dc587676d58c422eb8a03e119582f92b"),
        "test": ("wiki.test.tokens", "8a5befc548865cec54ed4273cf87dbbad60d1e47"),
    }

    def __init__(
        self,
        root: str | None = None,
        segment: str = "train",
        vocab=None,
        seq_len: int = 35,
    ) -> None:
        super().__init__(root, segment, vocab, seq_len, "wikitext-103")
