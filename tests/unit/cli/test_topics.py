"""The `topics` command lives in cli/topics.py; `migrate` takes the cluster to render for."""

from cli import topics as topics_cli
from cli.main import parser


def test_topics_apply_is_the_topics_module() -> None:
    args = parser().parse_args(["topics", "apply"])
    assert args.handler is topics_cli.run and args.action == "apply"


def test_migrate_renders_for_a_cluster_only_when_asked() -> None:
    assert parser().parse_args(["migrate"]).cluster is None
    assert parser().parse_args(["migrate", "--cluster", "chargeledger"]).cluster == "chargeledger"
