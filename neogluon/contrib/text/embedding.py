"""Token embeddings (``mx.contrib.text.embedding``), MXNet 1.9.1's API.

An embedding is a :class:`~.vocab.Vocabulary` with one vector per indexed
token (``idx_to_vec``, an NDArray). Vectors come from a text file with one
token and its values per line (GloVe and fastText ``.vec`` files, or any file
through :class:`CustomEmbedding`). :class:`GloVe` and :class:`FastText` read
``$MXNET_HOME/embeddings/<glove|fasttext>/<file>`` and download the file from
MXNet's model store only when it is missing there (so they need a network the
first time). :func:`register`, :func:`create` and
:func:`get_pretrained_file_names` form the registry, as in MXNet.
"""

from __future__ import annotations

import logging
import os
import tarfile
import warnings
import zipfile
from collections.abc import Callable
from typing import Any

from ... import ndarray as nd
from ... import registry
from ...base import MXNetError
from ...base import data_dir
from . import _constants as C
from . import vocab

__all__ = [
    "CompositeEmbedding",
    "CustomEmbedding",
    "FastText",
    "GloVe",
    "create",
    "get_pretrained_file_names",
    "register",
]


def register(embedding_cls: type) -> type:
    """Class decorator: make ``embedding_cls`` available to :func:`create`."""
    return registry.get_register_func(_TokenEmbedding, "token embedding")(embedding_cls)


def create(embedding_name: str, **kwargs: Any) -> _TokenEmbedding:
    """An instance of the registered embedding ``embedding_name`` (case-insensitive)."""
    return registry.get_create_func(_TokenEmbedding, "token embedding")(
        embedding_name, **kwargs
    )


def get_pretrained_file_names(
    embedding_name: str | None = None,
) -> dict[str, list[str]] | list[str]:
    """File names :func:`create` accepts, for one embedding or for all of them."""
    table = registry.get_registry(_TokenEmbedding)
    if embedding_name is not None:
        if embedding_name not in table:
            raise KeyError(
                f"Cannot find `embedding_name` {embedding_name}. Use "
                "`get_pretrained_file_names(embedding_name=None).keys()` to get all "
                "the valid embedding names."
            )
        return list(table[embedding_name].pretrained_file_name_sha1.keys())
    return {
        name: list(cls.pretrained_file_name_sha1.keys())
        for name, cls in table.items()
        if hasattr(cls, "pretrained_file_name_sha1")
    }


def _default_root() -> str:
    return os.path.join(data_dir(), "embeddings")


class _TokenEmbedding(vocab.Vocabulary):
    """Base class: a vocabulary whose tokens have vectors (``idx_to_vec``).

    Index 0 (the unknown token) gets the file's vector for the unknown token
    if the file has one, else ``init_unknown_vec(shape=vec_len)``. A token
    seen twice in a file keeps its first vector; a line with a single value
    (a header) is skipped.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._vec_len: int | None = None
        self._idx_to_vec: nd.NDArray | None = None

    # ------------------------------------------------------------ files
    @classmethod
    def _get_download_file_name(cls, pretrained_file_name: str) -> str:
        return pretrained_file_name

    @classmethod
    def _get_pretrained_file_url(cls, pretrained_file_name: str) -> str:
        repo = os.environ.get("MXNET_GLUON_REPO", C.APACHE_REPO_URL)
        if not repo.endswith("/"):
            repo += "/"
        name = cls._get_download_file_name(pretrained_file_name)
        return f"{repo}gluon/embeddings/{cls.__name__.lower()}/{name}"

    @classmethod
    def _get_pretrained_file(
        cls, embedding_root: str, pretrained_file_name: str
    ) -> str:
        from ...gluon.utils import check_sha1
        from ...gluon.utils import download

        folder = os.path.join(os.path.expanduser(embedding_root), cls.__name__.lower())
        path = os.path.join(folder, pretrained_file_name)
        file_sha1 = cls.pretrained_file_name_sha1[pretrained_file_name]
        if os.path.exists(path) and check_sha1(path, file_sha1):
            return path
        url = cls._get_pretrained_file_url(pretrained_file_name)
        archive = os.path.join(folder, os.path.basename(url))
        archive_sha1 = getattr(cls, "pretrained_archive_name_sha1", {}).get(
            os.path.basename(url), file_sha1
        )
        download(url, archive, sha1_hash=archive_sha1)
        ext = os.path.splitext(archive)[1]
        if ext == ".zip":
            with zipfile.ZipFile(archive, "r") as zf:
                zf.extractall(folder)
        elif ext == ".gz":
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(path=folder, filter="data")
        return path

    def _load_embedding(
        self,
        pretrained_file_path: str,
        elem_delim: str,
        init_unknown_vec: Callable,
        encoding: str = "utf8",
    ) -> None:
        path = os.path.expanduser(pretrained_file_path)
        if not os.path.isfile(path):
            raise ValueError(
                f"`pretrained_file_path` must be a valid path to the pre-trained token "
                f"embedding file, got {pretrained_file_path!r} (no such file)."
            )
        logging.info("Loading pre-trained token embedding vectors from %s", path)
        vec_len = None
        rows: list[list[float]] = []
        seen: set = set()
        unknown_vec = None
        with open(path, encoding=encoding) as f:
            for line_num, line in enumerate(f, 1):
                elems = line.rstrip().split(elem_delim)
                if len(elems) <= 1:
                    raise MXNetError(
                        f"At line {line_num} of the pre-trained token embedding file "
                        f"{path}: expected a token and its values separated by "
                        f"{elem_delim!r}, got {line.rstrip()!r}."
                    )
                token, values = elems[0], [float(v) for v in elems[1:]]
                if token == self.unknown_token and unknown_vec is None:
                    unknown_vec = values
                    seen.add(token)
                elif token in seen:
                    warnings.warn(
                        f"At line {line_num} of the pre-trained token embedding file: "
                        f"the embedding vector for token {token} has been loaded and a "
                        "duplicate embedding for the same token is seen and skipped.",
                        stacklevel=2,
                    )
                elif len(values) == 1:
                    warnings.warn(
                        f"At line {line_num} of the pre-trained text embedding file: "
                        f"token {token} with 1-dimensional vector {values} is likely a "
                        "header and is skipped.",
                        stacklevel=2,
                    )
                else:
                    if vec_len is None:
                        vec_len = len(values)
                    elif len(values) != vec_len:
                        raise MXNetError(
                            f"At line {line_num} of the pre-trained token embedding file "
                            f"{path}: token {token} has {len(values)} values but the "
                            f"previous tokens have {vec_len}; all vectors must have the "
                            "same length."
                        )
                    rows.append(values)
                    self._idx_to_token.append(token)
                    self._token_to_idx[token] = len(self._idx_to_token) - 1
                    seen.add(token)
        if vec_len is None:
            raise MXNetError(
                f"The pre-trained token embedding file {path} has no vectors."
            )
        self._vec_len = vec_len
        table = nd.array([[0.0] * vec_len, *rows])
        if unknown_vec is None:
            table[C.UNKNOWN_IDX] = init_unknown_vec(shape=vec_len)
        else:
            table[C.UNKNOWN_IDX] = nd.array(unknown_vec)
        self._idx_to_vec = table

    # ------------------------------------------------------------ vocabulary
    def _index_tokens_from_vocabulary(self, vocabulary: vocab.Vocabulary) -> None:
        self._token_to_idx = dict(vocabulary.token_to_idx)
        self._idx_to_token = list(vocabulary.idx_to_token)
        self._unknown_token = vocabulary.unknown_token
        reserved = vocabulary.reserved_tokens
        self._reserved_tokens = None if reserved is None else list(reserved)

    def _set_idx_to_vec_by_embeddings(
        self, token_embeddings: list, vocab_len: int, vocab_idx_to_token: list
    ) -> None:
        width = sum(e.vec_len for e in token_embeddings)
        table = nd.zeros((vocab_len, width))
        col = 0
        for e in token_embeddings:
            end = col + e.vec_len
            table[0, col:end] = e.idx_to_vec[0]
            if vocab_len > 1:
                table[1:, col:end] = e.get_vecs_by_tokens(list(vocab_idx_to_token[1:]))
            col = end
        self._vec_len = width
        self._idx_to_vec = table

    def _build_embedding_for_vocabulary(
        self, vocabulary: vocab.Vocabulary | None
    ) -> None:
        if vocabulary is None:
            return
        if not isinstance(vocabulary, vocab.Vocabulary):
            raise TypeError(
                "The argument `vocabulary` must be a mxnet.contrib.text.vocab.Vocabulary, "
                f"got {type(vocabulary).__name__}."
            )
        self._set_idx_to_vec_by_embeddings(
            [self], len(vocabulary), vocabulary.idx_to_token
        )
        self._index_tokens_from_vocabulary(vocabulary)

    # ------------------------------------------------------------ public
    @property
    def vec_len(self) -> int | None:
        """Length of each vector."""
        return self._vec_len

    @property
    def idx_to_vec(self) -> nd.NDArray | None:
        """``(len(self), vec_len)`` NDArray: row ``i`` is the vector of token ``i``."""
        return self._idx_to_vec

    def get_vecs_by_tokens(
        self, tokens: Any, lower_case_backup: bool = False
    ) -> nd.NDArray:
        """Vector of a token (1-D) or of a list of tokens (2-D); unknown -> row 0.

        With ``lower_case_backup`` a token not found is looked up in lower case.
        """
        single = not isinstance(tokens, list)
        items = [tokens] if single else tokens
        get = self.token_to_idx.get
        if lower_case_backup:
            idx = [
                self.token_to_idx[t]
                if t in self.token_to_idx
                else get(t.lower(), C.UNKNOWN_IDX)
                for t in items
            ]
        else:
            idx = [get(t, C.UNKNOWN_IDX) for t in items]
        table = self.idx_to_vec
        vecs = nd.Embedding(nd.array(idx), table, table.shape[0], table.shape[1])
        return vecs[0] if single else vecs

    def update_token_vectors(self, tokens: Any, new_vectors: nd.NDArray) -> None:
        """Replace the vectors of known ``tokens`` by the rows of ``new_vectors``."""
        if self.idx_to_vec is None:
            raise MXNetError("update_token_vectors: this embedding has no vectors yet.")
        if not isinstance(new_vectors, nd.NDArray):
            raise TypeError(
                f"`new_vectors` must be an NDArray, got {type(new_vectors).__name__}."
            )
        items = tokens if isinstance(tokens, list) else [tokens]
        if len(items) == 1:
            if new_vectors.ndim not in (1, 2):
                raise ValueError(
                    "`new_vectors` must be a 1-D or 2-D NDArray if `tokens` is a "
                    f"singleton, got shape {new_vectors.shape}."
                )
            if new_vectors.ndim == 1:
                new_vectors = nd.expand_dims(new_vectors, axis=0)
        elif new_vectors.ndim != 2:
            raise ValueError(
                "`new_vectors` must be a 2-D NDArray if `tokens` is a list of multiple "
                f"strings, got shape {new_vectors.shape}."
            )
        if new_vectors.shape != (len(items), self.vec_len):
            raise ValueError(
                f"`new_vectors` has shape {new_vectors.shape}; expected "
                f"({len(items)}, {self.vec_len}): one row per token, vec_len columns."
            )
        idx = []
        for t in items:
            if t not in self.token_to_idx:
                raise ValueError(
                    f"Token {t} is unknown. To update the embedding vector for an unknown "
                    "token, please specify it explicitly as the `unknown_token` "
                    f"{self.idx_to_token[C.UNKNOWN_IDX]} in `tokens`. This is to avoid "
                    "unintended updates."
                )
            idx.append(self.token_to_idx[t])
        self._idx_to_vec[nd.array(idx)] = new_vectors

    @classmethod
    def _check_pretrained_file_names(cls, pretrained_file_name: str) -> None:
        name = cls.__name__.lower()
        if pretrained_file_name not in cls.pretrained_file_name_sha1:
            raise KeyError(
                f"Cannot find pretrained file {pretrained_file_name} for token embedding "
                f"{name}. Valid pretrained files for embedding {name}: "
                + ", ".join(cls.pretrained_file_name_sha1.keys())
            )


@register
class GloVe(_TokenEmbedding):
    """GloVe vectors (https://nlp.stanford.edu/projects/glove/) from MXNet's store."""

    pretrained_file_name_sha1 = C.GLOVE_FILE_SHA1
    pretrained_archive_name_sha1 = C.GLOVE_ARCHIVE_SHA1

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name: str) -> str:
        corpus = pretrained_file_name.split(".")[1]
        by_corpus = {a.split(".")[1]: a for a in cls.pretrained_archive_name_sha1}
        return by_corpus[corpus]

    def __init__(
        self,
        pretrained_file_name: str = "glove.840B.300d.txt",
        embedding_root: str | None = None,
        init_unknown_vec: Callable = nd.zeros,
        vocabulary: vocab.Vocabulary | None = None,
        **kwargs: Any,
    ) -> None:
        GloVe._check_pretrained_file_names(pretrained_file_name)
        super().__init__(**kwargs)
        root = _default_root() if embedding_root is None else embedding_root
        path = GloVe._get_pretrained_file(root, pretrained_file_name)
        self._load_embedding(path, " ", init_unknown_vec)
        self._build_embedding_for_vocabulary(vocabulary)


@register
class FastText(_TokenEmbedding):
    """fastText vectors (https://fasttext.cc/) from MXNet's store."""

    pretrained_file_name_sha1 = C.FAST_TEXT_FILE_SHA1
    pretrained_archive_name_sha1 = C.FAST_TEXT_ARCHIVE_SHA1

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name: str) -> str:
        return ".".join(pretrained_file_name.split(".")[:-1]) + ".zip"

    def __init__(
        self,
        pretrained_file_name: str = "wiki.simple.vec",
        embedding_root: str | None = None,
        init_unknown_vec: Callable = nd.zeros,
        vocabulary: vocab.Vocabulary | None = None,
        **kwargs: Any,
    ) -> None:
        FastText._check_pretrained_file_names(pretrained_file_name)
        super().__init__(**kwargs)
        root = _default_root() if embedding_root is None else embedding_root
        path = FastText._get_pretrained_file(root, pretrained_file_name)
        self._load_embedding(path, " ", init_unknown_vec)
        self._build_embedding_for_vocabulary(vocabulary)


class CustomEmbedding(_TokenEmbedding):
    """Vectors from a local file: ``token<elem_delim>v1<elem_delim>v2...`` per line."""

    def __init__(
        self,
        pretrained_file_path: str,
        elem_delim: str = " ",
        encoding: str = "utf8",
        init_unknown_vec: Callable = nd.zeros,
        vocabulary: vocab.Vocabulary | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._load_embedding(
            pretrained_file_path, elem_delim, init_unknown_vec, encoding
        )
        self._build_embedding_for_vocabulary(vocabulary)


class CompositeEmbedding(_TokenEmbedding):
    """The tokens of ``vocabulary`` with the vectors of several embeddings concatenated."""

    def __init__(self, vocabulary: vocab.Vocabulary, token_embeddings: Any) -> None:
        if not isinstance(vocabulary, vocab.Vocabulary):
            raise TypeError(
                "The argument `vocabulary` must be a mxnet.contrib.text.vocab.Vocabulary, "
                f"got {type(vocabulary).__name__}."
            )
        embeds = (
            token_embeddings
            if isinstance(token_embeddings, list)
            else [token_embeddings]
        )
        for e in embeds:
            if not isinstance(e, _TokenEmbedding):
                raise TypeError(
                    "The argument `token_embeddings` must be a token embedding or a list "
                    f"of them, got {type(e).__name__}."
                )
        super().__init__()
        self._index_tokens_from_vocabulary(vocabulary)
        self._set_idx_to_vec_by_embeddings(embeds, len(self), self.idx_to_token)
