"""The character encoder–decoder: embedding → encoder RNN → decoder RNN (started from the encoder's
last state) → linear layer over the target characters, one character per step.

State mapping when layer counts differ: decoder layer j (0 = bottom) starts from encoder layer
max(0, L_enc − L_dec + j), i.e. the stacks are aligned at the top and the bottom encoder layer is
reused when the decoder is deeper. A bidirectional encoder's two directions are summed per layer.

Attention (optional):
- bahdanau (additive): score = vᵀ tanh(W_q s_{t−1} + W_k h_j); the context is fed into the decoder
  RNN together with the previous character's embedding.
- luong (multiplicative, "general"): score = s_tᵀ W h_j computed from the decoder output s_t;
  the output layer sees tanh(W_c [c_t; s_t]). Without input feeding, so teacher-forced training runs
  the decoder RNN over the whole target in one call.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from seqlab.translit.config import CELLS, ModelConfig
from seqlab.translit.data.vocab import PAD_ID, SOS_ID

RNN_CLASSES = dict(zip(CELLS, (nn.RNN, nn.GRU, nn.LSTM)))
CELL_FUNCTIONS = dict(zip(CELLS, (torch.rnn_tanh_cell, torch.gru_cell, torch.lstm_cell)))
# Decoding steps of at most this many rows (a few words' beams) run layer by layer through torch's cell
# functions: the fused nn.LSTM call sets up oneDNN and reorders its weights on every call, which costs more than
# the arithmetic at a handful of rows (a whole step of the shipped model: 1.4x faster in float32, 1.2x in
# bfloat16 at one word's beam of 5; even at about 40 rows). Larger batches keep the fused call.
CELL_STEP_ROWS = 32
State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def map_state(state: State, fn) -> State:
    """Apply `fn` to the hidden state, or to both parts of an LSTM's (h, c)."""
    return tuple(fn(s) for s in state) if isinstance(state, tuple) else fn(state)


def reorder_state(state: State, rows: torch.Tensor) -> State:
    """Pick batch rows of a (layers, batch, hidden) state, e.g. the beams that survived a step."""
    return map_state(state, lambda s: s[:, rows])


def top_hidden(state: State) -> torch.Tensor:
    return (state[0] if isinstance(state, tuple) else state)[-1]


class Attention(nn.Module):
    def __init__(self, kind: str, query_size: int, memory_size: int):
        super().__init__()
        self.kind = kind
        if kind == "bahdanau":
            self.key = nn.Linear(memory_size, query_size)
            self.query = nn.Linear(query_size, query_size, bias=False)
            self.energy = nn.Linear(query_size, 1, bias=False)
        else:
            self.key = nn.Linear(memory_size, query_size, bias=False)

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        """Project the encoder outputs once per sequence rather than once per step."""
        return self.key(memory)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor):
        """query (B, T, k); keys (B, S, k); memory (B, S, d); mask (B, S) → context (B, T, d), weights (B, T, S)."""
        if self.kind == "bahdanau":
            # (B, T, 1, k) + (B, 1, S, k) → energy (B, T, S, 1) → (B, T, S)
            scores = self.energy(torch.tanh(self.query(query).unsqueeze(2) + keys.unsqueeze(1))).squeeze(-1)
        else:
            scores = query @ keys.transpose(1, 2)  # (B, T, k) @ (B, k, S) → (B, T, S)
        scores = scores.masked_fill(~mask.unsqueeze(1), float("-inf"))  # mask (B, S) → (B, 1, S): padding gets 0
        weights = torch.softmax(scores, dim=-1)
        return weights @ memory, weights


@dataclass
class Memory:
    """What the decoder needs from the encoder at every step."""

    outputs: torch.Tensor
    mask: torch.Tensor
    keys: Optional[torch.Tensor]

    def repeat(self, times: int) -> "Memory":
        """Each row `times` times in a row: (B, …) → (B·times, …), the beam search's layout."""
        def rows(t: Optional[torch.Tensor]) -> Optional[torch.Tensor]:
            return None if t is None else t.repeat_interleave(times, dim=0)

        return Memory(rows(self.outputs), rows(self.mask), rows(self.keys))

    def select(self, rows: torch.Tensor) -> "Memory":
        """Only the given rows, (B, …) → (len(rows), …): what the beams of the words still decoding need."""
        return Memory(*(None if t is None else t[rows] for t in (self.outputs, self.mask, self.keys)))


class Network(Protocol):
    """What decoding needs from a model (decoding/search.py): `Seq2Seq` itself, or the same network compiled for
    ONNX Runtime (engine/runtime.py), so the search and the one ranking rule run unchanged over either."""

    backend: str

    def encode(self, source: torch.Tensor, lengths: torch.Tensor) -> tuple[Memory, State]: ...

    def step(self, previous: torch.Tensor, state: State, memory: Memory): ...

    def target_log_probs(self, source: torch.Tensor, lengths: torch.Tensor, target: torch.Tensor) -> torch.Tensor: ...


class Seq2Seq(nn.Module):
    backend = "torch"  # what runs the network when it decodes (see Network)

    def __init__(self, config: ModelConfig):
        super().__init__()
        config.validate()
        if config.source_vocab is None or config.target_vocab is None:
            raise ValueError("ModelConfig needs vocabulary sizes (with_vocabs) before a model is built")
        self.config = config
        m, k, cell = config.embedding_size, config.hidden_size, RNN_CLASSES[config.cell]
        directions = 2 if config.bidirectional else 1
        memory_size = k * directions
        self.source_embedding = nn.Embedding(config.source_vocab, m, padding_idx=PAD_ID)
        self.target_embedding = nn.Embedding(config.target_vocab, m, padding_idx=PAD_ID)
        drop_between = config.dropout
        self.encoder = cell(m, k, num_layers=config.encoder_layers, batch_first=True,
                            bidirectional=config.bidirectional,
                            dropout=drop_between if config.encoder_layers > 1 else 0.0)
        decoder_input = m + (memory_size if config.attention == "bahdanau" else 0)
        self.decoder = cell(decoder_input, k, num_layers=config.decoder_layers, batch_first=True,
                            dropout=drop_between if config.decoder_layers > 1 else 0.0)
        self.attention = Attention(config.attention, k, memory_size) if config.attention != "none" else None
        self.combine = nn.Linear(memory_size + k, k) if config.attention == "luong" else None
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(k, config.target_vocab)
        self.cell_step_rows = CELL_STEP_ROWS  # 0: every decoding step through the fused RNN module

    # encoder ---------------------------------------------------------------------------------
    def encode(self, source: torch.Tensor, lengths: torch.Tensor) -> tuple[Memory, State]:
        embedded = self.dropout(self.source_embedding(source))
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, final = self.encoder(packed)
        outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=source.size(1))
        mask = source != PAD_ID
        keys = self.attention.keys(outputs) if self.attention is not None else None
        return Memory(outputs, mask, keys), map_state(final, self._bridge)

    def _bridge(self, final: torch.Tensor) -> torch.Tensor:
        c = self.config
        if c.bidirectional:
            # (L·2, B, k) → (L, 2, B, k) → directions summed: (L, B, k)
            final = final.view(c.encoder_layers, 2, final.size(1), final.size(2)).sum(dim=1)
        index = [max(0, c.encoder_layers - c.decoder_layers + j) for j in range(c.decoder_layers)]
        return final[index].contiguous()

    # decoder ---------------------------------------------------------------------------------
    def _project(self, rnn_out: torch.Tensor, memory: Memory):
        """Decoder RNN outputs (B, T, k) → logits (B, T, V) and Luong weights (B, T, S) or None."""
        weights = None
        if self.config.attention == "luong":
            context, weights = self.attention(rnn_out, memory.keys, memory.outputs, memory.mask)
            # [context (B, T, d); output (B, T, k)] → (B, T, d + k) → (B, T, k)
            rnn_out = torch.tanh(self.combine(torch.cat([context, rnn_out], dim=-1)))
        return self.output(self.dropout(rnn_out)), weights

    def step(self, previous: torch.Tensor, state: State, memory: Memory):
        """One decoding step for tokens `previous` (B,) → logits (B, V), new state, attention (B, S) or None."""
        embedded = self.dropout(self.target_embedding(previous)).unsqueeze(1)  # (B, m) → (B, 1, m): one time step
        weights = None
        if self.config.attention == "bahdanau":
            query = top_hidden(state).unsqueeze(1)  # (B, k) → (B, 1, k)
            context, weights = self.attention(query, memory.keys, memory.outputs, memory.mask)
            embedded = torch.cat([embedded, context], dim=-1)  # (B, 1, m + d)
        rnn_out, state = self._decoder_step(embedded, state)
        logits, luong_weights = self._project(rnn_out, memory)
        weights = luong_weights if luong_weights is not None else weights
        # (B, 1, V) → (B, V); weights (B, 1, S) → (B, S)
        return logits.squeeze(1), state, None if weights is None else weights.squeeze(1)

    def _decoder_step(self, embedded: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """The decoder RNN over one time step: embedded (B, 1, input) → output (B, 1, k), new state; the same
        function as `self.decoder(embedded, state)` (see CELL_STEP_ROWS for when and why it is computed apart)."""
        plain = type(self.decoder) is RNN_CLASSES[self.config.cell]  # not, e.g., a quantized replacement
        if self.training or embedded.size(0) > self.cell_step_rows or not plain:
            return self.decoder(embedded, state)
        cell, lstm = CELL_FUNCTIONS[self.config.cell], self.config.cell == "lstm"
        layer_input, new_states = embedded.squeeze(1), []  # (B, 1, input) → (B, input)
        for layer in range(self.config.decoder_layers):
            weights = [getattr(self.decoder, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih",
                                                                               "bias_hh")]
            layer_state = (state[0][layer], state[1][layer]) if lstm else state[layer]
            new_state = cell(layer_input, layer_state, *weights)
            new_states.append(new_state)
            layer_input = new_state[0] if lstm else new_state
        if lstm:  # per layer (h, c), each (B, k) → h (L, B, k), c (L, B, k)
            return layer_input.unsqueeze(1), (torch.stack([h for h, _ in new_states]),
                                              torch.stack([c for _, c in new_states]))
        return layer_input.unsqueeze(1), torch.stack(new_states)  # L × (B, k) → (L, B, k); output (B, 1, k)

    def forward(self, source: torch.Tensor, lengths: torch.Tensor, target: torch.Tensor,
                teacher_forcing: float = 1.0) -> torch.Tensor:
        """Training pass: logits (B, T, V) for every target position (target ends with <eos>)."""
        memory, state = self.encode(source, lengths)
        return self.decode(memory, state, target, teacher_forcing)

    def decode(self, memory: Memory, state: State, target: torch.Tensor, teacher_forcing: float = 1.0) -> torch.Tensor:
        """The decoder over a whole target from the encoder's memory and state: logits (B, T, V)."""
        start = torch.full_like(target[:, :1], SOS_ID)
        inputs = torch.cat([start, target[:, :-1]], dim=1)  # <sos> then the target shifted right: (B, T)
        if teacher_forcing >= 1.0 and self.config.attention != "bahdanau":
            rnn_out, _ = self.decoder(self.dropout(self.target_embedding(inputs)), state)
            return self._project(rnn_out, memory)[0]
        logits_per_step = []
        previous = inputs[:, 0]
        for t in range(target.size(1)):
            logits, state, _ = self.step(previous, state, memory)
            logits_per_step.append(logits)
            if t + 1 < target.size(1):
                previous = self._next_input(inputs[:, t + 1], logits, teacher_forcing)
        return torch.stack(logits_per_step, dim=1)  # T × (B, V) → (B, T, V)

    def target_log_probs(self, source: torch.Tensor, lengths: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Forced decoding: log P(y | x) of given outputs, (B,); `target` (B, T) ends each row with <eos>, then
        pads (padding adds nothing)."""
        memory, state = self.encode(source, lengths)
        return self.forced_log_probs(memory, state, target)

    def forced_log_probs(self, memory: Memory, state: State, target: torch.Tensor) -> torch.Tensor:
        """`target_log_probs` from the encoder's memory and state."""
        log_probs = torch.log_softmax(self.decode(memory, state, target).float(), dim=-1)  # (B, T, V)
        picked = log_probs.gather(2, target.unsqueeze(2)).squeeze(2)                      # (B, T, 1) → (B, T)
        return picked.masked_fill(target == PAD_ID, 0.0).sum(dim=1)

    @staticmethod
    def _next_input(teacher: torch.Tensor, logits: torch.Tensor, teacher_forcing: float) -> torch.Tensor:
        """Scheduled sampling: per row, the true previous character with probability `teacher_forcing`."""
        if teacher_forcing >= 1.0:
            return teacher
        use_teacher = torch.rand(teacher.size(0), device=teacher.device) < teacher_forcing
        return torch.where(use_teacher, teacher, logits.argmax(dim=-1))

