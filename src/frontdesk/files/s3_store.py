"""Files as objects in an S3-compatible bucket (AWS S3, MinIO, SeaweedFS, Garage, Ceph, R2 …), so
that several processes or machines share them. Requests are plain HTTP with Signature Version 4
(files/sigv4.py). An upload is sent as it arrives: small files in one PUT, larger ones as a
multipart upload of PART_SIZE parts, so memory holds at most about one part per upload; a failed
or refused upload is aborted, leaving nothing behind."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import anyio
import httpx

from frontdesk.config import Settings
from frontdesk.files import sigv4
from frontdesk.files.contents import (
    CHUNK,
    Content,
    StoreUnavailable,
    TooLarge,
    is_key,
    new_key,
    read_all,
)
from frontdesk.kit.clock import utcnow

logger = logging.getLogger(__name__)

# The smallest part S3 accepts (but the last): about the most an upload holds in memory.
PART_SIZE = 5 * 1024 * 1024
TIMEOUT = httpx.Timeout(60, connect=10)
_UPLOAD_ID = re.compile(rb"<UploadId>([^<]+)</UploadId>")
_ERROR_CODE = re.compile(rb"<Code>([^<]+)</Code>")


@dataclass(frozen=True)
class S3Store:
    endpoint_url: str
    region: str
    bucket: str
    access_key: str
    secret_key: str
    path_style: bool = True
    prefix: str = ""
    part_size: int = PART_SIZE

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        return cls(
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            bucket=settings.s3_bucket,
            access_key=settings.s3_access_key_id,
            secret_key=settings.s3_secret_access_key.get_secret_value(),
            path_style=settings.s3_path_style,
            prefix=settings.s3_prefix,
        )

    def object_name(self, key: str) -> str:
        """The same layout as the data directory's files (`ab/abcdef…`), under the prefix."""
        if not is_key(key):
            raise FileNotFoundError("not a key of this store")
        return f"{self.prefix}{key[:2]}/{key}"

    # --- the FileStore interface ---

    async def save(self, chunks: AsyncIterable[bytes], *, limit: int) -> tuple[str, int]:
        key = new_key()
        name = self.object_name(key)
        async with self._client() as client:
            upload = _Upload(self, client, name)
            pending: list[bytes] = []
            held = 0
            size = 0
            try:
                async for chunk in chunks:
                    if not chunk:
                        continue
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(limit)
                    pending.append(chunk)
                    held += len(chunk)
                    while held >= self.part_size:
                        # A part of exactly part_size, sent from the chunks as they are: the
                        # bytes are never copied into one block.
                        part, pending = _split(pending, self.part_size)
                        held -= self.part_size
                        await upload.part(part)
                await upload.finish(pending)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await upload.abort()
                raise
        return key, size

    async def open(self, key: str, *, start: int = 0, end: int | None = None) -> Content:
        name = self.object_name(key)
        async with self._client() as client:
            response = await self._send(client, "HEAD", name)
        if response.status_code == 404:
            raise FileNotFoundError(key)
        self._check(response, "HEAD")
        size = int(response.headers.get("content-length", "0"))
        last = size - 1 if end is None else min(end, size - 1)
        return Content(size=size, chunks=self._chunks(name, start, last, whole=size))

    async def read(self, key: str) -> bytes:
        return await read_all(await self.open(key))

    async def exists(self, key: str) -> bool:
        if not is_key(key):
            return False
        async with self._client() as client:
            response = await self._send(client, "HEAD", self.object_name(key))
        if response.status_code == 404:
            return False
        self._check(response, "HEAD")
        return True

    async def delete(self, key: str) -> None:
        async with self._client() as client:
            response = await self._send(client, "DELETE", self.object_name(key))
        if response.status_code != 404:
            self._check(response, "DELETE")

    # --- HTTP ---

    def _client(self) -> httpx.AsyncClient:
        # A client per operation: no connection outlives the request or event loop that made it.
        return httpx.AsyncClient(timeout=TIMEOUT, verify=_tls())

    def _where(self, name: str) -> tuple[str, str, str]:
        """(scheme, Host header, encoded path) of an object of the bucket."""
        parts = urlsplit(self.endpoint_url)
        base = parts.path.rstrip("/")
        object_path = sigv4.uri_encode(name, keep_slash=True)
        if self.path_style:
            return parts.scheme, parts.netloc, f"{base}/{self.bucket}/{object_path}"
        return parts.scheme, f"{self.bucket}.{parts.netloc}", f"{base}/{object_path}"

    async def _send(
        self,
        client: httpx.AsyncClient,
        method: str,
        name: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Sequence[bytes] = (),
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        scheme, host, path = self._where(name)
        query = query or {}
        signed = sigv4.signed_headers(
            method=method,
            host=host,
            path=path,
            query=query,
            payload_sha256=_sha256(body),
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            now=utcnow(),
            extra=headers,
        )
        url = f"{scheme}://{host}{path}"
        if query:
            url += "?" + sigv4.canonical_query(query)
        if method in ("PUT", "POST"):
            signed["content-length"] = str(sum(len(chunk) for chunk in body))
        request = client.build_request(
            method, url, headers=signed, content=_once(list(body)) if body else None
        )
        try:
            return await client.send(request, stream=stream)
        except httpx.HTTPError as exc:
            raise _unavailable(f"S3 {method} to {self.endpoint_url}: {exc!r}") from exc

    def _check(self, response: httpx.Response, what: str) -> None:
        if response.is_success:
            return
        try:
            found = _ERROR_CODE.search(response.content)
        except httpx.ResponseNotRead:
            found = None
        code = found.group(1).decode(errors="replace") if found else ""
        raise _unavailable(
            f"S3 {what} on bucket {self.bucket}: {response.status_code} {code}".rstrip()
        )

    async def _chunks(
        self, name: str, start: int, last: int, *, whole: int
    ) -> AsyncIterator[bytes]:
        """Asked for when first iterated, so a response never sent holds no connection."""
        if last < start:
            return
        headers = {} if start == 0 and last == whole - 1 else {"range": f"bytes={start}-{last}"}
        async with self._client() as client:
            response = await self._send(client, "GET", name, headers=headers, stream=True)
            try:
                if response.status_code == 404:
                    raise FileNotFoundError(name)
                if not response.is_success:
                    await response.aread()
                    self._check(response, "GET")
                async for chunk in response.aiter_bytes(CHUNK):
                    yield chunk
            finally:
                await response.aclose()


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every request (building one reads all the trusted certificates): the
    system's trusted authorities, or those of SSL_CERT_FILE / SSL_CERT_DIR."""
    return ssl.create_default_context()


def _split(chunks: list[bytes], size: int) -> tuple[list[bytes], list[bytes]]:
    """The first `size` bytes of the chunks, and the rest."""
    taken = 0
    for index, chunk in enumerate(chunks):
        if taken + len(chunk) >= size:
            cut = size - taken
            head = [*chunks[:index], chunk[:cut]] if cut else chunks[:index]
            tail = [chunk[cut:]] if cut < len(chunk) else []
            return head, tail + chunks[index + 1 :]
        taken += len(chunk)
    return chunks, []


def _sha256(body: Sequence[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in body:
        digest.update(chunk)
    return digest.hexdigest()


async def _once(body: list[bytes]) -> AsyncIterator[bytes]:
    """The body as a stream that lets go of it as it is sent: httpx keeps a request (and so
    bytes given as content) in a reference cycle with its response, alive until the next garbage
    collection, which would keep every part of an upload in memory until its end."""
    while body:
        yield body.pop(0)


def _unavailable(detail: str) -> StoreUnavailable:
    logger.warning("file store: %s", detail)
    return StoreUnavailable(detail)


class _Upload:
    """One object being written: a single PUT when it fits in one part, else a multipart upload
    started at the first full part."""

    def __init__(self, store: S3Store, client: httpx.AsyncClient, name: str) -> None:
        self.store = store
        self.client = client
        self.name = name
        self.upload_id: str | None = None
        self.etags: list[str] = []

    async def part(self, data: list[bytes]) -> None:
        if self.upload_id is None:
            response = await self.store._send(self.client, "POST", self.name, query={"uploads": ""})
            self.store._check(response, "CreateMultipartUpload")
            found = _UPLOAD_ID.search(response.content)
            if found is None:
                raise _unavailable("S3 CreateMultipartUpload answered no UploadId")
            self.upload_id = found.group(1).decode()
        number = len(self.etags) + 1
        response = await self.store._send(
            self.client,
            "PUT",
            self.name,
            query={"partNumber": str(number), "uploadId": self.upload_id},
            body=data,
        )
        self.store._check(response, "UploadPart")
        self.etags.append(response.headers.get("etag", ""))

    async def finish(self, rest: list[bytes]) -> None:
        if self.upload_id is None:
            response = await self.store._send(self.client, "PUT", self.name, body=rest)
            self.store._check(response, "PutObject")
            return
        if rest:
            await self.part(rest)
        parts = "".join(
            f"<Part><PartNumber>{number}</PartNumber><ETag>{escape(etag)}</ETag></Part>"
            for number, etag in enumerate(self.etags, start=1)
        )
        body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>".encode()
        response = await self.store._send(
            self.client, "POST", self.name, query={"uploadId": self.upload_id}, body=[body]
        )
        # S3 may answer 200 and still report an error in the body.
        self.store._check(response, "CompleteMultipartUpload")
        if b"<Error>" in response.content:
            found = _ERROR_CODE.search(response.content)
            raise _unavailable(
                f"S3 CompleteMultipartUpload: {found.group(1).decode() if found else 'error'}"
            )
        self.upload_id = None

    async def abort(self) -> None:
        """Best effort: the bucket's lifecycle rule for incomplete uploads (docs/deploy.md)
        removes what an abort that failed left."""
        if self.upload_id is None:
            return
        upload_id, self.upload_id = self.upload_id, None
        with contextlib.suppress(StoreUnavailable):
            await self.store._send(self.client, "DELETE", self.name, query={"uploadId": upload_id})
