"""Signature Version 4, checked against the worked example of Amazon's S3 documentation (GET
Object with a Range header), so the signing is right before any server says so."""

from __future__ import annotations

from datetime import UTC, datetime

from frontdesk.files import sigv4


def test_the_documented_get_object_example_signs_the_same() -> None:
    headers = sigv4.signed_headers(
        method="GET",
        host="examplebucket.s3.amazonaws.com",
        path="/test.txt",
        query={},
        payload_sha256=sigv4.EMPTY_SHA256,
        access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region="us-east-1",
        now=datetime(2013, 5, 24, tzinfo=UTC),
        extra={"Range": "bytes=0-9"},
    )
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_names_and_values_are_encoded_as_s3_signs_them() -> None:
    assert sigv4.uri_encode("a b/c~d+e", keep_slash=True) == "a%20b/c~d%2Be"
    assert sigv4.canonical_query({"uploadId": "x/y=", "partNumber": "2", "uploads": ""}) == (
        "partNumber=2&uploadId=x%2Fy%3D&uploads="
    )


def test_objects_are_addressed_by_path_or_by_bucket_host() -> None:
    from frontdesk.files.s3_store import S3Store

    key = "ab" + "0" * 30

    def store(endpoint_url: str, *, path_style: bool = True, prefix: str = "") -> S3Store:
        return S3Store(
            endpoint_url=endpoint_url,
            region="eu-west-3",
            bucket="acme-files",
            access_key="k",
            secret_key="s",
            path_style=path_style,
            prefix=prefix,
        )

    path_style = store("http://minio.internal:9000", prefix="desk/")
    assert path_style._where(path_style.object_name(key)) == (
        "http",
        "minio.internal:9000",
        f"/acme-files/desk/ab/{key}",
    )
    hosted = store("https://s3.eu-west-3.amazonaws.com", path_style=False)
    assert hosted._where(hosted.object_name(key)) == (
        "https",
        "acme-files.s3.eu-west-3.amazonaws.com",
        f"/ab/{key}",
    )
