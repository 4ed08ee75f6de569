// WebRTC voice activity detection behind a plain C API (see detect_shim.h). Only the
// VoiceDetection component of AudioProcessing is enabled: no echo cancellation, gain or
// noise suppression touches the samples, we only read the decision.
#include "detect_shim.h"

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

#include <memory>

struct proctor_vad {
    std::unique_ptr<webrtc::AudioProcessing> apm;
    webrtc::AudioFrame frame;
    int sample_rate = 0;
};

proctor_vad *proctor_vad_create(int sample_rate, int likelihood) {
    if (sample_rate != 8000 && sample_rate != 16000 && sample_rate != 32000 && sample_rate != 48000) return nullptr;
    auto vad = std::make_unique<proctor_vad>();
    vad->apm.reset(webrtc::AudioProcessing::Create());
    if (!vad->apm) return nullptr;
    auto *detection = vad->apm->voice_detection();
    if (detection->Enable(true) != webrtc::AudioProcessing::kNoError) return nullptr;
    if (likelihood < 0) likelihood = 0;
    if (likelihood > 3) likelihood = 3;
    detection->set_likelihood(static_cast<webrtc::VoiceDetection::Likelihood>(likelihood));
    // 10 ms decisions: the finest the VAD offers, so interval edges land within 10 ms.
    detection->set_frame_size_ms(10);
    vad->sample_rate = sample_rate;
    return vad.release();
}

void proctor_vad_free(proctor_vad *vad) { delete vad; }

int proctor_vad_frame_samples(const proctor_vad *vad) { return vad == nullptr ? 0 : vad->sample_rate / 100; }

int proctor_vad_process(proctor_vad *vad, const int16_t *samples) {
    if (vad == nullptr || samples == nullptr) return -1;
    vad->frame.UpdateFrame(0, 0, samples, size_t(vad->sample_rate / 100), vad->sample_rate,
                           webrtc::AudioFrame::kNormalSpeech, webrtc::AudioFrame::kVadUnknown, 1);
    int status = vad->apm->ProcessStream(&vad->frame);
    if (status != webrtc::AudioProcessing::kNoError) return status < 0 ? status : -1;
    return vad->apm->voice_detection()->stream_has_voice() ? 1 : 0;
}
