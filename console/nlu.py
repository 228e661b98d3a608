"""The console's NLU: the trained Rasa model, loaded in-process on first use."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Dict, Optional

from bot.settings import MODEL_PATH

logger = logging.getLogger(__name__)

class RasaModelParser:
    """Parse text with the trained model, loaded lazily in-process once (``load_agent``).

    Calling it returns Rasa's parse data (``intent``, ``entities``, ``intent_ranking``), or None
    when no model exists or it cannot be loaded; ``status`` then says why, in French.
    """

    def __init__(self, model_path: Path = MODEL_PATH) -> None:
        self.model_path = Path(model_path)
        self._agent: Any = None
        self._failed: Optional[str] = None
        self._lock = asyncio.Lock()
        self.status = ""

    async def _load(self) -> Any:
        async with self._lock:
            if self._agent is not None or self._failed is not None:
                return self._agent
            if not self.model_path.exists():
                self._failed = f"Aucun modèle entraîné ({self.model_path.name}) : lancez « make train »."
                return None
            try:
                from rasa.core.agent import (
                    load_agent,  # heavy import (TensorFlow): only when needed
                )

                self._agent = await load_agent(model_path=str(self.model_path))
            except Exception as error:  # noqa: BLE001 - any failure: the console still works
                logger.exception("console: cannot load the model")
                self._failed = f"Le modèle n'a pas pu être chargé ({type(error).__name__})."
            return self._agent

    async def __call__(self, text: str) -> Optional[Dict[str, Any]]:
        agent = await self._load()
        if agent is None:
            self.status = self._failed or "Modèle indisponible."
            return None
        self.status = ""
        return await agent.parse_message(text)
