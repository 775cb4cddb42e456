import subprocess

from tests.support.stack import RASA_BIN, REPO_ROOT


def test_rasa_data_validate_passes():
    result = subprocess.run(
        [str(RASA_BIN), "data", "validate", "--domain", "bot/domain.yml", "--config", "config.yml",
         "--data", "data/nlu", "data/stories"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
