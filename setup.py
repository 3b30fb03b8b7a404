"""pip install --no-build-isolation .  — the `aimc` Python package, built by CMake (offline, with Debian's
setuptools). The C++ build goes to $AIMC_BUILD_DIR (default: build/, so after scripts/build.sh it is a
no-op); the package is python/aimc plus the extension CMake puts beside it. docs/python.md."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = Path(os.environ.get("AIMC_BUILD_DIR", ROOT / "build")).resolve()
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja", f"-DAIMC_PYTHON={sys.executable}",
                     "-DAIMC_BUILD_PYTHON=ON"]
        if not (build_dir / "CMakeCache.txt").exists():
            configure += ["-DCMAKE_BUILD_TYPE=Release", "-DAIMC_BUILD_TESTS=OFF", "-DAIMC_BUILD_BENCH=OFF"]
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "aimc_python"], check=True)
        built = next((build_dir / "python" / "aimc").glob("_aimc*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(
    name="aimc",
    version=re.search(r"project\(aimc VERSION ([\d.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1),
    description="Compile, simulate and measure neural networks on analog in-memory-computing chips",
    packages=["aimc"],
    package_dir={"aimc": "python/aimc"},
    ext_modules=[Extension("aimc._aimc", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy"],
)
